package dev.lifeboat.config;

/** A configuration or usage mistake: one line naming the key; the CLI exits 2, nothing changed. */
public class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
