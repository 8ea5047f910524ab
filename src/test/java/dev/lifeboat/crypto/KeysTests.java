package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The keys a configuration names, resolved and checked where they are configured. */
class KeysTests {

  static final String RECIPIENT_A = AgeTests.recipientOf(AgeTests.SECRET_A);
  static final String RECIPIENT_B = AgeTests.recipientOf(AgeTests.SECRET_B);

  @TempDir Path dir;

  private Keys keys(Map<String, String> entries) {
    return new Keys(new LifeboatConfig(properties(entries)));
  }

  @Test
  void aTargetWithoutRecipientsIsNotEncryptedAndMayBeBackedUpToAnOptionalStore() {
    Keys keys = keys(Map.of());
    keys.validate();
    assertThat(keys.forTarget("app").recipients()).isEmpty();
    keys.requireEncryption("app", List.of("local"));
  }

  @Test
  void aTargetsOwnRecipientsReplaceTheGlobalOnesAndAnotherDatabaseOfItUsesThem() {
    Keys keys =
        keys(
            Map.of(
                "lifeboat.encryption.recipients[0]", RECIPIENT_A,
                "lifeboat.targets.app.encryption.recipients[0]", " " + RECIPIENT_B,
                "lifeboat.targets.app.encryption.recipients[1]", RECIPIENT_B));
    assertThat(keys.forTarget("app").recipients()).containsExactly(RECIPIENT_B);
    assertThat(keys.forTarget("app.app_staging").recipients()).containsExactly(RECIPIENT_B);
    assertThat(keys(Map.of("lifeboat.encryption.recipients[0]", RECIPIENT_A)).forTarget("app"))
        .extracting(TargetKeys::recipients)
        .asList()
        .containsExactly(RECIPIENT_A);
  }

  @Test
  void aBadRecipientIsRefusedAtStartNamingItsKeyAndAPastedSecretKeyIsNeverEchoed() {
    assertThatThrownBy(
            keys(Map.of("lifeboat.targets.app.encryption.recipients[0]", "age1notakey"))
                ::afterPropertiesSet)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "lifeboat.targets.app.encryption.recipients[0]: 'age1notakey' is not an age X25519"
                + " public key (age1 followed by 58 characters, as printed by age-keygen -y)");
    assertThatThrownBy(
            keys(Map.of("lifeboat.encryption.recipients[0]", AgeTests.SECRET_A))::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.encryption.recipients[0]: the value is a secret key")
        .hasMessageNotContaining(AgeTests.SECRET_A);
  }

  @Test
  void aStoreThatRequiresEncryptionRefusesATargetWithoutRecipientsNamingTheStore() {
    Map<String, String> required = Map.of("lifeboat.stores.local.encryption", "required");
    assertThatThrownBy(() -> keys(required).requireEncryption("app", List.of("local")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "lifeboat.stores.local.encryption: store 'local' requires encrypted backups but"
                + " target 'app' has no recipients; set lifeboat.encryption.recipients (or"
                + " lifeboat.targets.app.encryption.recipients) to age public keys; nothing was"
                + " backed up");
    Map<String, String> encrypted = new LinkedHashMap<>(required);
    encrypted.put("lifeboat.encryption.recipients[0]", RECIPIENT_A);
    keys(encrypted).requireEncryption("app", List.of("local"));
  }

  @Test
  void identitiesAreReadOnlyWhenAskedForSoABackupNeverReadsAnIdentityFile() throws Exception {
    Path missing = dir.resolve("no-such-identity.txt");
    Keys keys =
        keys(
            Map.of(
                "lifeboat.encryption.recipients[0]",
                RECIPIENT_A,
                "lifeboat.encryption.identities[0]",
                missing.toString()));
    keys.validate();
    TargetKeys app = keys.forTarget("app");
    assertThat(app.recipients()).containsExactly(RECIPIENT_A);
    assertThat(app.identitiesKey()).isEqualTo("lifeboat.encryption.identities");
    assertThatThrownBy(app::identities)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "lifeboat.encryption.identities[0]: cannot read the identity file " + missing);

    Path file = dir.resolve("identity.txt");
    Files.writeString(file, AgeTests.SECRET_A + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThat(
            keys(Map.of("lifeboat.targets.app.encryption.identities[0]", file.toString()))
                .forTarget("app.other")
                .identities()
                .describe())
        .containsExactly("lifeboat.targets.app.encryption.identities[0] (file " + file + ")");
  }

  @Test
  void theSigningKeyIsUnderTheHomeUnlessConfigured() {
    Keys defaults = keys(Map.of());
    assertThat(defaults.signingKeyConfigured()).isFalse();
    assertThat(defaults.signingKeyFile())
        .isEqualTo(dir.resolve("home/keys/signing.key").toAbsolutePath().normalize());
    Keys configured = keys(Map.of(Keys.SIGNING_KEY, dir.resolve("k/../s.key").toString()));
    assertThat(configured.signingKeyConfigured()).isTrue();
    assertThat(configured.signingKeyFile()).isEqualTo(dir.resolve("s.key"));
  }

  @Test
  void trustedKeysAreParsedAndABadOneIsRefusedAtStartNamingIt() {
    SigningKey other = SigningKey.create(Keys.SIGNING_KEY, dir.resolve("other/signing.key"));
    assertThat(keys(Map.of(Keys.TRUSTED_KEYS + "[0]", other.publicKeyText())).trustedKeys())
        .extracting(TrustedKeys.Key::fingerprint)
        .containsExactly(other.fingerprint());
    assertThatThrownBy(keys(Map.of(Keys.TRUSTED_KEYS + "[0]", "not-a-key"))::afterPropertiesSet)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "lifeboat.signing.trusted-keys[0]: is not an Ed25519 public key (one base64 line");
  }

  @Test
  void anUnsetVariableInAKeySettingIsNamedWithoutItsValue() {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources()
        .addFirst(
            new MapPropertySource(
                "config",
                Map.of(
                    "lifeboat.home", dir.resolve("home").toString(),
                    "lifeboat.targets.app.url", "jdbc:postgresql://db:5432/app",
                    "lifeboat.targets.app.username", "backup",
                    "lifeboat.encryption.recipients[0]", "${LIFEBOAT_TEST_RECIPIENT_NOT_SET}")));
    LifeboatProperties p = Binder.get(env).bindOrCreate("lifeboat", LifeboatProperties.class);
    assertThatThrownBy(new Keys(new LifeboatConfig(p, env))::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "lifeboat.encryption.recipients[0]: ${LIFEBOAT_TEST_RECIPIENT_NOT_SET} is not set;"
                + " export LIFEBOAT_TEST_RECIPIENT_NOT_SET in the environment");
  }

  private LifeboatProperties properties(Map<String, String> entries) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.home", dir.resolve("home").toString());
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://db.internal:5433/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", "/var/backups/lifeboat");
    all.putAll(entries);
    return new Binder(new MapConfigurationPropertySource(all))
        .bindOrCreate("lifeboat", LifeboatProperties.class);
  }
}
