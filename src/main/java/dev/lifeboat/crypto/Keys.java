package dev.lifeboat.crypto;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.LifeboatProperties.StoreProperties;
import dev.lifeboat.config.Placeholders;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.DependsOn;
import org.springframework.stereotype.Component;

/**
 * The keys the configuration names, resolved and checked: the age recipients and identities of each
 * target ({@link #forTarget}), this host's manifest signing key file and the trusted public keys.
 * Every mistake is a {@link ConfigException} naming the key, found at start.
 */
// checked after the stores and targets (the bean Targets), as after the rest of the configuration
@Component
@DependsOn("targets")
public final class Keys implements InitializingBean {

  /** The key of the signing key's file in the configuration. */
  public static final String SIGNING_KEY = "lifeboat.signing.key";

  /** The key of the trusted public keys in the configuration. */
  public static final String TRUSTED_KEYS = "lifeboat.signing.trusted-keys";

  private final LifeboatConfig config;
  private final LifeboatProperties properties;
  private final Placeholders placeholders;

  public Keys(LifeboatConfig config) {
    this.config = config;
    this.properties = config.properties();
    this.placeholders = config.placeholders();
  }

  /**
   * The keys are checked when they load, after the rest of the configuration, so every command (and
   * the daemon) refuses a bad key setting before any job runs.
   */
  @Override
  public void afterPropertiesSet() {
    validate();
  }

  /** Checks every target's recipients and the trusted keys, reading no file. */
  public void validate() {
    properties.targets().keySet().forEach(this::recipients);
    trustedKeys();
  }

  /**
   * The keys of the target named: its recipients, checked now, and its identities, read only when
   * asked for (a backup never reads an identity file).
   */
  public TargetKeys forTarget(String targetName) {
    String key = identitiesKey(targetName);
    return new TargetKeys(recipients(targetName), key, () -> identities(targetName, key));
  }

  /**
   * The age public keys backups of the target are encrypted to, validated (empty: backups are not
   * encrypted). A target's own list replaces the global one.
   */
  private List<String> recipients(String name) {
    LifeboatProperties.Encryption own = config.targetEncryption(name);
    String key;
    List<String> list;
    if (own != null && !own.recipients().isEmpty()) {
      key = "lifeboat.targets." + config.baseTarget(name) + ".encryption.recipients";
      list = own.recipients();
    } else {
      key = "lifeboat.encryption.recipients";
      list = properties.encryption() == null ? List.of() : properties.encryption().recipients();
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String r = list.get(i);
      placeholders.requireResolved(key + "[" + i + "]", r);
      String problem = Age.recipientProblem(r);
      if (problem != null) {
        boolean secret = r != null && r.strip().startsWith("AGE-SECRET-KEY-");
        throw new ConfigException(
            key + "[" + i + "]",
            (secret || r == null ? "the value" : "'" + r.strip() + "'") + " " + problem);
      }
      if (!result.contains(r.strip())) {
        result.add(r.strip());
      }
    }
    return List.copyOf(result);
  }

  /**
   * The age identities restore, drill and deep verify may use for the target: its own list if it
   * has one, else the global one. Files are read now; an unreadable one is an error naming it.
   */
  private Identities identities(String targetName, String key) {
    LifeboatProperties.Encryption own = config.targetEncryption(targetName);
    List<String> list =
        own != null && !own.identities().isEmpty()
            ? own.identities()
            : properties.encryption() == null ? List.of() : properties.encryption().identities();
    for (int i = 0; i < list.size(); i++) {
      placeholders.requireResolved(key + "[" + i + "]", list.get(i));
    }
    return Identities.load(key, list, i -> placeholders.rawValue(key + "[" + i + "]"));
  }

  /** The key the identities of the target named are configured under. */
  private String identitiesKey(String targetName) {
    LifeboatProperties.Encryption own = config.targetEncryption(targetName);
    return own != null && !own.identities().isEmpty()
        ? "lifeboat.targets." + config.baseTarget(targetName) + ".encryption.identities"
        : "lifeboat.encryption.identities";
  }

  /**
   * Refuses (exit 2) a backup of the target without recipients when one of its stores is marked
   * {@code encryption: required}.
   */
  public void requireEncryption(String target, List<String> stores) {
    if (!recipients(target).isEmpty()) {
      return;
    }
    for (String store : stores) {
      StoreProperties s = properties.stores().get(store);
      if (s != null && "required".equalsIgnoreCase(s.encryption().strip())) {
        throw new ConfigException(
            "lifeboat.stores." + store + ".encryption",
            "store '"
                + store
                + "' requires encrypted backups but target '"
                + target
                + "' has no recipients; set lifeboat.encryption.recipients (or"
                + " lifeboat.targets."
                + config.baseTarget(target)
                + ".encryption.recipients) to age public keys; nothing was backed up");
      }
    }
  }

  /**
   * This host's manifest signing key file: {@code lifeboat.signing.key}, else {@code
   * <home>/keys/signing.key} (made by the first backup when missing).
   */
  public Path signingKeyFile() {
    LifeboatProperties.Signing signing = properties.signing();
    if (signing != null && signing.key() != null) {
      placeholders.requireResolved(SIGNING_KEY, signing.key());
      return signing.key().toAbsolutePath().normalize();
    }
    return properties.home().resolve("keys").resolve("signing.key").toAbsolutePath().normalize();
  }

  /** Whether the signing key's file is configured (else it is the default under the home). */
  public boolean signingKeyConfigured() {
    return properties.signing() != null && properties.signing().key() != null;
  }

  /** The configured trusted public keys, parsed; a bad one is exit 2 naming it. */
  public List<TrustedKeys.Key> trustedKeys() {
    List<String> entries =
        properties.signing() == null ? List.of() : properties.signing().trustedKeys();
    for (int i = 0; i < entries.size(); i++) {
      placeholders.requireResolved(TRUSTED_KEYS + "[" + i + "]", entries.get(i));
    }
    return TrustedKeys.parse(TRUSTED_KEYS, entries);
  }
}
