package dev.lifeboat.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Spring leaves an unset {@code ${VAR}} in place rather than failing; a configured value that names
 * a variable nobody set is a secret or setting that never arrived. The configured (raw) value is
 * examined, not the resolved one: a password from the environment may well contain {@code ${}, and
 * is never printed.
 */
public final class Placeholders {

  // an unescaped ${VAR} or ${VAR:default} in a configured value (escaped ones came from the
  // environment or a secret file and are data)
  private static final Pattern PLACEHOLDER = Pattern.compile("(?<!\\\\)\\$\\{([^}:]+)(:)?");

  private final ConfigurableEnvironment environment;

  /** Over {@code environment}; without one (null) values are taken as bound (unit tests). */
  Placeholders(ConfigurableEnvironment environment) {
    this.environment = environment;
  }

  /** Refuses (exit 2, naming {@code key}) a value configured with a variable nobody set. */
  public void requireResolved(String key, Object value) {
    if (value == null) {
      return;
    }
    String raw = rawValue(key);
    if (raw == null) {
      if (environment != null) {
        return; // not configured anywhere we can see: a default, not a placeholder
      }
      raw = value.toString();
    }
    Matcher m = PLACEHOLDER.matcher(raw);
    while (m.find()) {
      String variable = m.group(1);
      boolean hasDefault = m.group(2) != null;
      if (!hasDefault && (environment == null || !environment.containsProperty(variable))) {
        throw new ConfigException(
            key,
            "${"
                + variable
                + "} is not set; export "
                + variable
                + " in the environment or use ${file:/path/to/secret} (secrets never go on the"
                + " command line)");
      }
    }
  }

  /** The value as configured, before placeholders were resolved; null when none is. */
  public String rawValue(String key) {
    if (environment == null || !ConfigurationPropertyName.isValid(key)) {
      return null;
    }
    ConfigurationPropertyName name = ConfigurationPropertyName.of(key);
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      ConfigurationProperty property = source.getConfigurationProperty(name);
      if (property != null) {
        return property.getValue() == null ? null : property.getValue().toString();
      }
    }
    return null;
  }
}
