package dev.lifeboat.config;

import dev.lifeboat.base.Redaction;
import dev.lifeboat.config.LifeboatProperties.StoreProperties;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgPassFile;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ChecksumMode;
import dev.lifeboat.store.FilesystemStore;
import dev.lifeboat.store.S3Store;
import dev.lifeboat.store.S3StoreSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * The configuration, validated: turns {@link LifeboatProperties} into targets and open stores, and
 * reports every mistake as a {@link ConfigException} naming the key.
 */
@Component
public final class LifeboatConfig implements DisposableBean, InitializingBean {

  private static final long MIN_PART = DataSize.ofMegabytes(5).toBytes();

  /** Target and store names: what a file name, a metric label and a shell all take as is. */
  static final String NAME = "[a-z0-9][a-z0-9_-]*";

  private final LifeboatProperties properties;
  private final ConfigurableEnvironment environment;
  private final Placeholders placeholders;
  private final Map<String, BackupStore> openStores = new LinkedHashMap<>();

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
    Path home = checkHome();
    PgPassFile.useDirectory(home.resolve("run"));
    Path spool = properties.spoolDir();
    if (spool != null && Files.exists(spool) && !Files.isDirectory(spool)) {
      throw new ConfigException("lifeboat.spool-dir", spool + " exists and is not a directory");
    }
    checkConfiguredNames();
    validate();
  }

  private Path checkHome() {
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
    return home;
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

  private static void checkName(String section, String name) {
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

  private volatile PgBinaries pgBinaries;

  /**
   * The PostgreSQL tools this configuration uses; one instance, so each tool's {@code --version} is
   * asked once per process, not at every call.
   */
  public PgBinaries pgBinaries() {
    PgBinaries b = pgBinaries;
    if (b == null) {
      synchronized (this) {
        b = pgBinaries;
        if (b == null) {
          b = new PgBinaries(properties.pg().binDirs());
          pgBinaries = b;
        }
      }
    }
    return b;
  }

  /** Checks every target and store definition without touching the network. */
  public void validate() {
    properties.stores().keySet().forEach(this::storeDefinition);
    properties.targets().keySet().forEach(this::target);
    checkNotifyUrls();
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

  /** The encryption section of the target named (its base target's for "app.x"), or null. */
  public LifeboatProperties.Encryption targetEncryption(String name) {
    TargetProperties t = properties.targets().get(baseTarget(name));
    return t == null ? null : t.encryption();
  }

  /** Whether manifests of the target carry row counts and RLS state (default: yes). */
  public boolean manifestDetails(Target target) {
    LifeboatProperties.Encryption own = targetEncryption(target.name());
    if (own != null && own.manifestDetails() != null) {
      return own.manifestDetails();
    }
    Boolean global =
        properties.encryption() == null ? null : properties.encryption().manifestDetails();
    return global == null || global;
  }

  /** The named target, or the only one when {@code name} is null. */
  public Target target(String name) {
    Map<String, TargetProperties> targets = properties.targets();
    if (name == null) {
      if (targets.isEmpty()) {
        throw new ConfigException(
            "lifeboat.targets", "no target is configured; add one (see config/lifeboat.yml)");
      }
      if (targets.size() > 1) {
        throw new ConfigException(
            "--target",
            "several targets are configured "
                + new TreeSet<>(targets.keySet())
                + "; choose one with --target NAME");
      }
      name = targets.keySet().iterator().next();
    }
    TargetProperties t = targets.get(name);
    int dot = name.lastIndexOf('.');
    if (t == null
        && dot > 0
        && targets.containsKey(name.substring(0, dot))
        && dot < name.length() - 1) {
      // "app.app_staging": another database on target app's server, with app's stores (safety
      // backups)
      Target base = target(name.substring(0, dot));
      return new Target(
          name,
          base.connection().withDatabase(name.substring(dot + 1)),
          base.stores(),
          base.drillUrl());
    }
    if (t == null) {
      throw new ConfigException(
          "--target",
          "no target named '" + name + "' (configured: " + new TreeSet<>(targets.keySet()) + ")");
    }
    checkName("targets", name);
    String key = "lifeboat.targets." + name;
    placeholders.requireResolved(key + ".url", t.url());
    placeholders.requireResolved(key + ".username", t.username());
    placeholders.requireResolved(key + ".password", t.password());
    placeholders.requireResolved(key + ".drill-url", t.drillUrl());
    if (blank(t.url())) {
      throw new ConfigException(key + ".url", "missing; set the JDBC URL of the database");
    }
    if (blank(t.username())) {
      throw new ConfigException(key + ".username", "missing; set the database user to back up as");
    }
    PgConnection connection;
    try {
      connection = PgConnection.fromJdbcUrl(t.url(), t.username(), t.password());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ".url", e.getMessage());
    }
    List<String> stores =
        t.stores() == null || t.stores().isEmpty()
            ? List.copyOf(properties.stores().keySet())
            : List.copyOf(t.stores());
    if (stores.isEmpty()) {
      throw new ConfigException(
          "lifeboat.stores", "no store is configured; add at least one (see config/lifeboat.yml)");
    }
    for (String store : stores) {
      if (!properties.stores().containsKey(store)) {
        throw new ConfigException(
            key + ".stores",
            "unknown store '"
                + store
                + "' (configured: "
                + new TreeSet<>(properties.stores().keySet())
                + ")");
      }
    }
    return new Target(name, connection, stores, t.drillUrl());
  }

  /**
   * Connects to the target once so a wrong password, a wrong URL or a server that is down is a
   * configuration error (exit 2) before any job starts.
   */
  public void checkConnection(Target target) {
    checkConnection(target, target.connection());
  }

  /**
   * Like {@link #checkConnection(Target)} but against the server's maintenance database, for
   * restores: the target's own database may be the one that was lost.
   */
  public void checkServer(Target target) {
    checkConnection(target, target.connection().withDatabase("postgres"));
  }

  private void checkConnection(Target target, PgConnection c) {
    String key = "lifeboat.targets." + target.name();
    try (java.sql.Connection ignored = c.open()) {
      // reachable and the credentials work
    } catch (java.sql.SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      String where = c.user() + "@" + c.host() + ":" + c.port() + "/" + c.database();
      String reason = dev.lifeboat.pg.PgErrors.firstLine(e.getMessage());
      throw switch (state) {
        case "28P01" ->
            new ConfigException(
                key + ".password",
                "password authentication failed for "
                    + where
                    + "; check the password in the environment variable it comes from");
        case "28000" ->
            new ConfigException(key + ".username", "the server refused " + where + ": " + reason);
        case "3D000" ->
            new ConfigException(
                key + ".url",
                "database '" + c.database() + "' does not exist on " + c.host() + ":" + c.port());
        default ->
            new ConfigException(
                key + ".url",
                "cannot connect to "
                    + where
                    + ": "
                    + reason
                    + "; check the URL and that the server is up");
      };
    }
  }

  /** The stores of a target, opened once and shared. */
  public List<BackupStore> stores(Target target) {
    List<BackupStore> result = new ArrayList<>();
    for (String name : target.stores()) {
      result.add(store(name));
    }
    return result;
  }

  /** One store by name, opened once and shared. */
  public synchronized BackupStore store(String name) {
    BackupStore store = openStores.get(name);
    if (store == null) {
      if (!properties.stores().containsKey(name)) {
        throw new ConfigException(
            "--store",
            "no store named '"
                + name
                + "' (configured: "
                + new TreeSet<>(properties.stores().keySet())
                + ")");
      }
      store = open(name, storeDefinition(name));
      openStores.put(name, store);
    }
    return store;
  }

  private BackupStore open(String name, Object definition) {
    if (definition instanceof Path path) {
      return new FilesystemStore(name, path);
    }
    return new S3Store((S3StoreSettings) definition);
  }

  /** Validates a store definition: a {@link Path} for filesystem stores, else S3 settings. */
  private Object storeDefinition(String name) {
    StoreProperties s = properties.stores().get(name);
    String key = "lifeboat.stores." + name;
    if (s == null) {
      throw new ConfigException(key, "no such store");
    }
    checkName("stores", name);
    placeholders.requireResolved(key + ".type", s.type());
    placeholders.requireResolved(key + ".path", s.path());
    placeholders.requireResolved(key + ".endpoint", s.endpoint());
    placeholders.requireResolved(key + ".region", s.region());
    placeholders.requireResolved(key + ".bucket", s.bucket());
    placeholders.requireResolved(key + ".prefix", s.prefix());
    placeholders.requireResolved(key + ".access-key", s.accessKey());
    placeholders.requireResolved(key + ".secret-key", s.secretKey());
    String type = s.type() == null ? "" : s.type().trim().toLowerCase();
    String encryption = s.encryption() == null ? "" : s.encryption().strip().toLowerCase();
    if (!encryption.equals("optional") && !encryption.equals("required")) {
      throw new ConfigException(
          key + ".encryption", "must be 'optional' or 'required' (was '" + s.encryption() + "')");
    }
    switch (type) {
      case "filesystem" -> {
        if (!blank(s.serverSideEncryption()) || !blank(s.kmsKeyId())) {
          throw new ConfigException(
              key + ".server-side-encryption",
              "is for S3 stores only; a filesystem store has no server-side encryption (use age"
                  + " recipients, see docs/encryption.md)");
        }
        if (s.path() == null) {
          throw new ConfigException(key + ".path", "missing; set the directory backups go to");
        }
        checkStorePath(key + ".path", s.path());
        return s.path();
      }
      case "s3" -> {
        return s3Settings(name, key, s);
      }
      default ->
          throw new ConfigException(
              key + ".type",
              "must be 's3' or 'filesystem' (was '" + (s.type() == null ? "" : s.type()) + "')");
    }
  }

  private static void checkStorePath(String key, Path path) {
    if (!path.isAbsolute()) {
      throw new ConfigException(
          key,
          "must be an absolute path (was '"
              + path
              + "'): cron, systemd and a shell start in different directories and would see"
              + " different stores");
    }
    if (Files.exists(path) && !Files.isDirectory(path)) {
      throw new ConfigException(key, path + " exists and is not a directory");
    }
    for (Path p = path.normalize(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("PG_VERSION")) && Files.isDirectory(p.resolve("global"))) {
        throw new ConfigException(
            key,
            path
                + " is inside the PostgreSQL data directory "
                + p
                + "; backups there are lost with the cluster: choose a directory outside it");
      }
    }
  }

  private S3StoreSettings s3Settings(String name, String key, StoreProperties s) {
    if (blank(s.bucket())) {
      throw new ConfigException(key + ".bucket", "missing; set the bucket name");
    }
    if (blank(s.accessKey())) {
      throw new ConfigException(
          key + ".access-key", "missing; set it from the environment, e.g. access-key: ${S3_KEY}");
    }
    if (blank(s.secretKey())) {
      throw new ConfigException(
          key + ".secret-key",
          "missing; set it from the environment, e.g. secret-key: ${S3_SECRET}");
    }
    URI endpoint = null;
    if (!blank(s.endpoint())) {
      try {
        endpoint = URI.create(s.endpoint().trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            key + ".endpoint", "not a valid URL: " + Redaction.urls(s.endpoint()));
      }
      if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())
          || endpoint.getHost() == null) {
        throw new ConfigException(
            key + ".endpoint",
            "must be an http:// or https:// URL with a host (was "
                + Redaction.urls(s.endpoint())
                + ")");
      }
    }
    ChecksumMode checksum =
        switch (s.checksum().trim().toLowerCase().replace('_', '-')) {
          case "when-required" -> ChecksumMode.WHEN_REQUIRED;
          case "when-supported" -> ChecksumMode.WHEN_SUPPORTED;
          default ->
              throw new ConfigException(
                  key + ".checksum",
                  "must be 'when-required' or 'when-supported' (was '" + s.checksum() + "')");
        };
    long part = s.partSize().toBytes();
    if (part < MIN_PART || part > DataSize.ofGigabytes(5).toBytes()) {
      throw new ConfigException(
          key + ".part-size", "must be between 5MB and 5GB (was " + s.partSize() + ")");
    }
    String prefix = s.prefix() == null ? "" : s.prefix().trim();
    while (prefix.startsWith("/")) {
      prefix = prefix.substring(1);
    }
    if (List.of(prefix.split("/")).stream().anyMatch(seg -> seg.equals("..") || seg.equals("."))) {
      throw new ConfigException(
          key + ".prefix", "must not contain '.' or '..' segments (was '" + s.prefix() + "')");
    }
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    return new S3StoreSettings(
        name,
        endpoint,
        s.region(),
        s.bucket().trim(),
        prefix,
        s.pathStyle(),
        s.accessKey(),
        s.secretKey(),
        checksum,
        (int) part,
        new S3StoreSettings.Timeouts(
            positive(key + ".connect-timeout", s.connectTimeout()),
            positive(key + ".request-timeout", s.requestTimeout()),
            positive(key + ".part-timeout", s.partTimeout())),
        serverSideEncryption(key, s),
        blank(s.kmsKeyId()) ? null : s.kmsKeyId().strip());
  }

  /** {@code AES256} or {@code aws:kms} (S3's own words), or null; a KMS key only with aws:kms. */
  private String serverSideEncryption(String key, StoreProperties s) {
    placeholders.requireResolved(key + ".kms-key-id", s.kmsKeyId());
    String sse = blank(s.serverSideEncryption()) ? null : s.serverSideEncryption().strip();
    if (sse != null && !sse.equals("AES256") && !sse.equals("aws:kms")) {
      throw new ConfigException(
          key + ".server-side-encryption",
          "must be 'AES256' or 'aws:kms' (was '" + s.serverSideEncryption() + "')");
    }
    if (!blank(s.kmsKeyId()) && !"aws:kms".equals(sse)) {
      throw new ConfigException(
          key + ".kms-key-id", "needs server-side-encryption: aws:kms beside it");
    }
    return sse;
  }

  private static Duration positive(String key, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new ConfigException(key, "must be a positive duration such as 30s (was " + value + ")");
    }
    return value;
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

  @Override
  public synchronized void destroy() {
    openStores.values().forEach(BackupStore::close);
    openStores.clear();
  }
}
