package dev.lifeboat.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Secrets are data, not templates: a value from the environment or from a secret file is never
 * scanned for further {@code ${…}} placeholders (generated passwords contain them), and {@code
 * ${file:/run/secrets/x}} reads a file the way Docker and Kubernetes mount secrets.
 */
public final class SecretSources implements EnvironmentPostProcessor, Ordered {

  static final String FILE = "file:";

  @Override
  public int getOrder() {
    // after Boot's own processor has put its system-environment source in place
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    MutablePropertySources sources = environment.getPropertySources();
    String name = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
    if (sources.get(name) instanceof SystemEnvironmentPropertySource env
        && !(env instanceof DataOnlyEnvironment)) {
      sources.replace(name, new DataOnlyEnvironment(name, env.getSource()));
    }
    if (!sources.contains(SecretFiles.NAME)) {
      sources.addLast(new SecretFiles());
    }
  }

  /** Escapes {@code ${} so the placeholder resolver passes it through literally. */
  static Object escape(Object value) {
    return value instanceof String s && s.contains("${") ? s.replace("${", "\\${") : value;
  }

  /** The process environment, its values escaped. */
  static final class DataOnlyEnvironment extends SystemEnvironmentPropertySource {
    DataOnlyEnvironment(String name, Map<String, Object> source) {
      super(name, source);
    }

    @Override
    public Object getProperty(String name) {
      return escape(super.getProperty(name));
    }
  }

  /**
   * Answers {@code ${file:/absolute/path}} with the file's content, one trailing line break
   * removed. A file that cannot be read fails the binding (never the fallback after the colon).
   */
  static final class SecretFiles extends PropertySource<Object> {
    static final String NAME = "lifeboatSecretFiles";

    SecretFiles() {
      super(NAME, new Object());
    }

    @Override
    public Object getProperty(String name) {
      if (!name.startsWith(FILE)) {
        return null;
      }
      Path file = Path.of(name.substring(FILE.length()));
      String placeholder = "${" + name + "}";
      if (!file.isAbsolute()) {
        throw new ConfigException(placeholder, "a secret file must be named by an absolute path");
      }
      try {
        String value = Files.readString(file, StandardCharsets.UTF_8);
        if (value.endsWith("\n")) {
          value = value.substring(0, value.length() - 1);
          if (value.endsWith("\r")) {
            value = value.substring(0, value.length() - 1);
          }
        }
        return escape(value);
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(
            placeholder,
            "cannot read the secret file "
                + file
                + " ("
                + e.getClass().getSimpleName()
                + "); check that it exists and that Lifeboat's user may read it");
      }
    }
  }
}
