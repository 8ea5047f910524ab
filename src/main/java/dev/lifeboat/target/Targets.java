package dev.lifeboat.target;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.S3StoreSettings;
import dev.lifeboat.store.StoreFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * The targets and stores the configuration describes, made usable: a target resolved to its
 * connection and store names ({@link #resolve}), its server checked ({@link #checkConnection}),
 * each store opened once (through {@link StoreFactory}); every mistake a {@link ConfigException}
 * naming the key.
 */
// named: Keys is made after this bean (its @DependsOn), so the keys are checked last, as always
@Component("targets")
public final class Targets implements InitializingBean {

  private final LifeboatConfig config;
  private final LifeboatProperties properties;
  private final StoreDefinitions definitions;
  private final StoreFactory factory;

  public Targets(LifeboatConfig config, StoreFactory factory) {
    this.config = config;
    this.properties = config.properties();
    this.definitions = new StoreDefinitions(properties, config.placeholders());
    this.factory = factory;
  }

  /**
   * The whole configuration is checked when it loads, so every command (and the daemon) refuses a
   * bad file before any job runs.
   */
  @Override
  public void afterPropertiesSet() {
    validate();
  }

  /** Checks every store and target definition, then the rest, without touching the network. */
  public void validate() {
    properties.stores().keySet().forEach(definitions::definition);
    properties.targets().keySet().forEach(this::resolve);
    config.validate();
  }

  /** The named target, or the only one when {@code name} is null. */
  public Target resolve(String name) {
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
      Target base = resolve(name.substring(0, dot));
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
    LifeboatConfig.checkName("targets", name);
    String key = "lifeboat.targets." + name;
    config.placeholders().requireResolved(key + ".url", t.url());
    config.placeholders().requireResolved(key + ".username", t.username());
    config.placeholders().requireResolved(key + ".password", t.password());
    config.placeholders().requireResolved(key + ".drill-url", t.drillUrl());
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
      String reason = PgErrors.firstLine(e.getMessage());
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
  public BackupStore store(String name) {
    BackupStore store = factory.opened(name);
    if (store != null) {
      return store;
    }
    if (!properties.stores().containsKey(name)) {
      throw new ConfigException(
          "--store",
          "no store named '"
              + name
              + "' (configured: "
              + new TreeSet<>(properties.stores().keySet())
              + ")");
    }
    Object definition = definitions.definition(name);
    return definition instanceof Path path
        ? factory.open(name, path)
        : factory.open((S3StoreSettings) definition);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
