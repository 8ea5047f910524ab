package dev.lifeboat.target;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Target;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.S3StoreSettings;
import dev.lifeboat.store.StoreFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * The targets and stores the configuration describes, made usable: each store opened once (through
 * {@link StoreFactory}), every mistake a {@link ConfigException} naming the key.
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
    config.validate();
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
}
