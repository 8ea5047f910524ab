package dev.lifeboat.config;

import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.stereotype.Component;

/**
 * The configuration, validated: turns {@link LifeboatProperties} into targets and reports every
 * mistake as a {@link ConfigException} naming the key.
 */
@Component
public final class LifeboatConfig implements InitializingBean {

  /** Target and store names: what a file name, a metric label and a shell all take as is. */
  static final String NAME = "[a-z0-9][a-z0-9_-]*";

  private final LifeboatProperties properties;
  private final ConfigurableEnvironment environment;
  private final Placeholders placeholders;

  /** Without an environment: values are taken as bound (unit tests). */
  public LifeboatConfig(LifeboatProperties properties) {
    this(properties, null);
  }

  @Autowired
  public LifeboatConfig(LifeboatProperties properties, ConfigurableEnvironment environment) {
    this.properties = properties;
    this.environment = environment;
    this.placeholders = new Placeholders(environment);
  }

  /**
   * The whole configuration is checked when it loads, so every command (and the daemon) refuses a
   * bad file before any job runs.
   */
  @Override
  public void afterPropertiesSet() {
    checkHome();
    Path spool = properties.spoolDir();
    if (spool != null && Files.exists(spool) && !Files.isDirectory(spool)) {
      throw new ConfigException("lifeboat.spool-dir", spool + " exists and is not a directory");
    }
    checkConfiguredNames();
  }

  private void checkHome() {
    Path home = properties.home().toAbsolutePath().normalize();
    String fix = "; set lifeboat.home to a directory Lifeboat's user may write";
    try {
      PrivateFiles.create(home);
    } catch (IOException | RuntimeException e) {
      String why =
          e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
              ? fse.getReason().toLowerCase(java.util.Locale.ROOT)
              : e.getClass().getSimpleName();
      throw new ConfigException("lifeboat.home", "cannot create " + home + " (" + why + ")" + fix);
    }
    if (!Files.isWritable(home)) {
      throw new ConfigException("lifeboat.home", home + " is not writable" + fix);
    }
    // the home holds the control database, its password, pgpass files and whole databases in the
    // spool: only Lifeboat's user may enter it (an older Lifeboat left it 0755)
    List<String> tightened = PrivateFiles.directory(home, "lifeboat.home");
    if (!tightened.isEmpty()) {
      org.slf4j.LoggerFactory.getLogger("lifeboat.control")
          .info("made private to Lifeboat's user (0700): {}", String.join(", ", tightened));
    }
  }

  /**
   * Relaxed binding drops what a name cannot hold ({@code "app db"} becomes {@code appdb}), so the
   * names are checked as written in the files and on the command line, before binding changed them.
   */
  private void checkConfiguredNames() {
    if (environment == null) {
      return;
    }
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (!(source instanceof EnumerablePropertySource<?> enumerable)
          || source instanceof SystemEnvironmentPropertySource) {
        continue;
      }
      for (String property : enumerable.getPropertyNames()) {
        for (String section : List.of("targets", "stores")) {
          String prefix = "lifeboat." + section;
          if (!property.startsWith(prefix) || property.length() == prefix.length()) {
            continue;
          }
          String rest = property.substring(prefix.length());
          String name;
          if (rest.startsWith("[")) {
            int end = rest.indexOf(']');
            name = end < 0 ? rest.substring(1) : rest.substring(1, end);
          } else if (rest.startsWith(".")) {
            rest = rest.substring(1);
            int end = rest.replace('[', '.').indexOf('.');
            name = end < 0 ? rest : rest.substring(0, end);
          } else {
            continue;
          }
          checkName(section, name);
        }
      }
    }
  }

  /** Refuses a target or store name a file name, a metric label or a shell would not take as is. */
  public static void checkName(String section, String name) {
    if (!name.matches(NAME)) {
      String what = section.equals("targets") ? "target" : "store";
      throw new ConfigException(
          "lifeboat." + section,
          "the "
              + what
              + " name '"
              + name
              + "' is not allowed; a name uses only a-z, 0-9, '_' and '-' and starts with a"
              + " letter or digit");
    }
  }

  public LifeboatProperties properties() {
    return properties;
  }

  public Path home() {
    return properties.home();
  }

  /** The unset {@code ${VAR}} detection over this configuration's sources. */
  public Placeholders placeholders() {
    return placeholders;
  }

  /** The notification URLs and the targets' WAL settings; Targets and Keys check the rest. */
  public void validate() {
    checkNotifyUrls();
    WalSettings.check(properties.targets());
  }

  /**
   * Every webhook needs a URL, and each webhook or heartbeat URL configured is an http(s) URL with
   * a host. Such URLs hold tokens: a message names the key and what is wrong, never the value.
   */
  private void checkNotifyUrls() {
    LifeboatProperties.Notify notify = properties.notifications();
    for (int i = 0; i < notify.webhooks().size(); i++) {
      String key = "lifeboat.notify.webhooks[" + i + "].url";
      String url = notify.webhooks().get(i).url();
      placeholders.requireResolved(key, url);
      if (blank(url)) {
        throw new ConfigException(key, "missing; set it (from an ${ENV} placeholder)");
      }
      checkHttpUrl(key, url);
    }
    for (String[] optional :
        new String[][] {
          {"lifeboat.notify.heartbeat-url", notify.heartbeatUrl()},
          {"lifeboat.notify.heartbeat-failure-url", notify.heartbeatFailureUrl()}
        }) {
      placeholders.requireResolved(optional[0], optional[1]);
      if (!blank(optional[1])) {
        checkHttpUrl(optional[0], optional[1]);
      }
    }
  }

  private static void checkHttpUrl(String key, String url) {
    String problem;
    try {
      // as the notifier will read it
      URI uri = URI.create(url);
      String scheme =
          uri.getScheme() == null ? null : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      problem =
          scheme == null
              ? "it has no scheme"
              : !scheme.equals("http") && !scheme.equals("https")
                  ? "its scheme is '" + scheme + "'"
                  : uri.getHost() == null ? "it has no host" : null;
    } catch (IllegalArgumentException e) {
      problem = "it is not a valid URL";
    }
    if (problem != null) {
      throw new ConfigException(
          key,
          "must be an http:// or https:// URL with a host, but "
              + problem
              + " (the value is not shown: such URLs hold tokens)");
    }
  }

  /** The target's own section, or that of the target it is another database of ("app.x"). */
  public String baseTarget(String name) {
    int dot = name.lastIndexOf('.');
    return properties.targets().containsKey(name) || dot < 0 ? name : name.substring(0, dot);
  }

  /** The section of the target named (its base target's for "app.x"), or null. */
  public TargetProperties targetSettings(String name) {
    return properties.targets().get(baseTarget(name));
  }

  /** The encryption section of the target named (its base target's for "app.x"), or null. */
  public LifeboatProperties.Encryption targetEncryption(String name) {
    TargetProperties t = targetSettings(name);
    return t == null ? null : t.encryption();
  }

  /** Whether manifests of the target carry row counts and RLS state (default: yes). */
  public boolean manifestDetails(String target) {
    LifeboatProperties.Encryption own = targetEncryption(target);
    if (own != null && own.manifestDetails() != null) {
      return own.manifestDetails();
    }
    Boolean global =
        properties.encryption() == null ? null : properties.encryption().manifestDetails();
    return global == null || global;
  }

  /**
   * The control database's keys name no variable nobody set: checked without opening the database,
   * so a command that does not use it (a read-only one) refuses the same file as one that does.
   */
  public void requireControlResolved() {
    LifeboatProperties.Control control = properties.control();
    placeholders.requireResolved("lifeboat.control.url", control.url());
    placeholders.requireResolved("lifeboat.control.username", control.username());
    placeholders.requireResolved("lifeboat.control.password", control.password());
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
