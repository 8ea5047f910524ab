package dev.lifeboat.config;

import dev.lifeboat.base.LifeboatException;

/** A configuration or usage mistake: one line naming the key; the CLI exits 2, nothing changed. */
public class ConfigException extends LifeboatException {

  private final String key;

  public ConfigException(String key, String message) {
    super(key + ": " + message, null);
    this.key = key;
  }

  public String key() {
    return key;
  }

  @Override
  public int exitCode() {
    return USAGE;
  }
}
