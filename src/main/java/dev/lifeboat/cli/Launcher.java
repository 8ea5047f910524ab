package dev.lifeboat.cli;

import dev.lifeboat.LifeboatApplication;
import dev.lifeboat.backup.BackupException;
import dev.lifeboat.backup.BackupNotFoundException;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.demo.Demo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationErrors;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import picocli.CommandLine;

/**
 * Starts Spring with the configuration the arguments name, then runs one picocli command in it and
 * maps every outcome to an exit code (CONTRACT §3: 0 ok, 1 failed, 2 usage/configuration, 3
 * partial).
 */
public final class Launcher {

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  private Launcher() {}

  /** What the arguments say before Spring starts. */
  record Arguments(
      List<Path> configFiles,
      List<String> springProperties,
      List<String> commandArgs,
      String command,
      boolean json) {

    Arguments withConfig(Path file) {
      List<Path> files = new ArrayList<>(configFiles);
      files.add(file);
      return new Arguments(files, springProperties, commandArgs, command, json);
    }

    static Arguments parse(String[] args) {
      List<Path> config = new ArrayList<>();
      List<String> spring = new ArrayList<>();
      List<String> command = new ArrayList<>();
      String name = null;
      boolean json = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--config") && i + 1 < args.length) {
          config.add(Path.of(args[i + 1]));
          command.add(a);
          command.add(args[++i]);
        } else if (a.startsWith("--config=")) {
          config.add(Path.of(a.substring("--config=".length())));
          command.add(a);
        } else if (a.startsWith("--")
            && a.contains("=")
            && a.substring(2, a.indexOf('=')).contains(".")) {
          spring.add(a); // --lifeboat.home=/x style Spring property
        } else {
          if (a.equals("--json")) {
            json = true;
          }
          if (name == null && !a.startsWith("-")) {
            name = a;
          }
          if ((a.equals("--target")
                  || a.equals("--label")
                  || a.equals("--store")
                  || a.equals("--into")
                  || a.equals("--backup"))
              && i + 1 < args.length) {
            command.add(a);
            a = args[++i];
          }
          command.add(a);
        }
      }
      return new Arguments(config, spring, command, name, json);
    }
  }

  public static int run(String[] args) {
    Arguments arguments = Arguments.parse(args);
    for (Path file : arguments.configFiles()) {
      Optional<String> problem = unusableConfigFile(file);
      if (problem.isPresent()) {
        return usage(arguments, problem.get());
      }
    }
    for (String a : args) {
      // "--lifeboat.x.password VALUE" is not a Spring property, but the value is on view all the
      // same
      String property = a.startsWith("--") && a.contains(".") && !a.contains("=") ? a + "=" : a;
      if (!property.startsWith("--") || !property.contains("=")) {
        continue;
      }
      String key = property.substring(2, property.indexOf('='));
      String value = property.substring(property.indexOf('=') + 1);
      // a reference such as ${file:/run/secrets/x} is not the secret itself
      if (isSecretKey(key) && !value.matches("\\$\\{[^}]+}")) {
        return usage(
            arguments,
            "--"
                + key
                + ": secrets are refused on the command line, where every user sees them (ps);"
                + " set them from the environment (${VAR}) or a file (${file:/path}) in the"
                + " configuration");
      }
    }
    boolean help =
        arguments.commandArgs().stream().anyMatch(a -> a.equals("--help") || a.equals("-h"));
    if ("demo".equals(arguments.command()) && !help) {
      return Demo.run(
          arguments.commandArgs(),
          arguments.springProperties(),
          (configFile, argv) -> runInSpring(arguments.withConfig(configFile), argv));
    }
    return runInSpring(arguments, arguments.commandArgs().toArray(String[]::new));
  }

  /** Why {@code --config FILE} cannot be used, if it cannot. */
  static Optional<String> unusableConfigFile(Path file) {
    if (Files.isDirectory(file)) {
      return Optional.of("--config " + file + ": is a directory; name a YAML file");
    }
    if (!Files.isRegularFile(file)) {
      return Optional.of("--config: file " + file + " not found");
    }
    if (!Files.isReadable(file)) {
      return Optional.of("--config " + file + ": not readable by this user");
    }
    try {
      boolean empty =
          Files.readAllLines(file).stream()
              .map(String::strip)
              .allMatch(l -> l.isEmpty() || l.startsWith("#") || l.equals("---"));
      if (empty) {
        return Optional.of("--config " + file + ": the file is empty; it configures nothing");
      }
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return Optional.of(
          "--config "
              + file
              + ": cannot be read as UTF-8 text ("
              + e.getClass().getSimpleName()
              + ")");
    }
    return Optional.empty();
  }

  /** Keys whose value is a secret: passwords, S3 keys, tokens. */
  static boolean isSecretKey(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT).replace("_", "-");
    String last = k.substring(k.lastIndexOf('.') + 1);
    return last.contains("password")
        || last.contains("secret")
        || last.contains("token")
        || last.replace("-", "").equals("accesskey")
        || last.contains("credential");
  }

  /**
   * Starts Spring once and runs each of {@code commands} in it; returns the first non-zero exit
   * code.
   */
  static int runInSpring(Arguments arguments, String[]... commands) {
    SpringApplication app = new SpringApplication(LifeboatApplication.class);
    app.setBannerMode(Banner.Mode.OFF);
    app.setLogStartupInfo(false);
    app.setWebApplicationType(WebApplicationType.NONE);
    Map<String, Object> defaults = new LinkedHashMap<>();
    // A command's own output is the story; the daemon is where logs belong.
    defaults.put("logging.level.root", "WARN");
    defaults.put("logging.level.org.springframework.batch", "OFF");
    defaults.put("logging.level.org.springframework", "ERROR");
    defaults.put("logging.level.org.springframework.boot.SpringApplication", "OFF");
    defaults.put("logging.level.org.springframework.boot.diagnostics", "OFF");
    // a one-shot command pushes its metrics once, at exit, into a group of its own (CONTRACT §5)
    String pushgateway = "management.prometheus.metrics.export.pushgateway.";
    defaults.put(pushgateway + "enabled", "false");
    defaults.put(pushgateway + "job", "lifeboat");
    defaults.put(pushgateway + "shutdown-operation", "put");
    defaults.put(pushgateway + "grouping-key.command", commandName(commands));
    if (!arguments.configFiles().isEmpty()) {
      defaults.put(
          "spring.config.additional-location",
          String.join(
              ",",
              arguments.configFiles().stream().map(p -> "file:" + p.toAbsolutePath()).toList()));
    }
    app.setDefaultProperties(defaults);
    // a start-up failure is reported below as one line; Spring must not log it with a stack trace
    // before the logging configuration (which silences it) is even read
    if (org.slf4j.LoggerFactory.getLogger(SpringApplication.class)
        instanceof ch.qos.logback.classic.Logger logger) {
      logger.setLevel(ch.qos.logback.classic.Level.OFF);
    }
    ConfigurableApplicationContext context;
    try {
      context = app.run(arguments.springProperties().toArray(String[]::new));
    } catch (Throwable e) {
      Optional<String> configError = configurationError(e, arguments.configFiles());
      if (configError.isPresent()) {
        return usage(arguments, configError.get());
      }
      return fail(arguments, FAILED, "lifeboat could not start: " + rootMessage(e));
    }
    try {
      int exit = OK;
      for (String[] command : commands) {
        int code = execute(context, arguments, command);
        if (code != OK) {
          exit = exit == OK ? code : exit;
          if (code != 3) {
            break;
          }
        }
      }
      return exit;
    } finally {
      context.close();
    }
  }

  private static String commandName(String[]... commands) {
    for (String[] command : commands) {
      for (String a : command) {
        if (java.util.Set.of("backup", "backups", "verify", "restore", "drill", "demo")
            .contains(a)) {
          return a;
        }
      }
    }
    return "lifeboat";
  }

  static int execute(ConfigurableApplicationContext context, Arguments arguments, String[] args) {
    Console console = context.getBean(Console.class);
    console.configure(arguments.json() || List.of(args).contains("--json"));
    CommandLine.IFactory factory =
        new CommandLine.IFactory() {
          @Override
          public <K> K create(Class<K> cls) throws Exception {
            if (cls.getPackageName().startsWith("dev.lifeboat")) {
              return context.getAutowireCapableBeanFactory().createBean(cls);
            }
            return CommandLine.defaultFactory().create(cls);
          }
        };
    CommandLine cli = new CommandLine(LifeboatCommand.class, factory);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          int code = exitCode(e);
          if (console.json()) {
            console.printJson(
                Map.of(
                    "status", "error", "exitCode", code, "error", String.valueOf(e.getMessage())));
          }
          console.error("lifeboat: " + describe(e));
          return code;
        });
    return cli.execute(args);
  }

  static int exitCode(Throwable e) {
    return e instanceof ConfigException || e instanceof BackupNotFoundException ? USAGE : FAILED;
  }

  static String describe(Throwable e) {
    if (e instanceof ConfigException
        || e instanceof BackupException
        || e instanceof BackupNotFoundException
        || e instanceof dev.lifeboat.store.StoreException
        || e instanceof dev.lifeboat.restore.RestoreException
        || e instanceof dev.lifeboat.pg.PgToolException
        || e instanceof dev.lifeboat.pg.PgToolNotFoundException) {
      return e.getMessage();
    }
    return e.getClass().getSimpleName() + ": " + rootMessage(e);
  }

  /** A binding or placeholder failure at start-up, as one line naming the key. */
  static Optional<String> configurationError(Throwable e) {
    return configurationError(e, List.of());
  }

  static Optional<String> configurationError(Throwable e, List<Path> configFiles) {
    Optional<String> file =
        configFileError(
            e,
            configFiles.size() == 1
                ? configFiles.get(0).toString()
                : configFiles.isEmpty() ? "file" : "files " + configFiles);
    if (file.isPresent()) {
      return file;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConfigException ce) {
        return Optional.of(ce.getMessage());
      }
      if (t instanceof BindException be) {
        String key = be.getName().toString();
        if (be.getProperty() != null) {
          key = be.getProperty().getName().toString();
        }
        Throwable cause = be.getCause();
        if (cause instanceof BindValidationException invalid) {
          return Optional.of(validationError(invalid));
        }
        if (cause instanceof UnboundConfigurationPropertiesException unbound) {
          String keys =
              String.join(
                  ", ",
                  unbound.getUnboundProperties().stream()
                      .map(p -> p.getName().toString())
                      .sorted()
                      .toList());
          return Optional.of(
              keys
                  + ": unknown configuration key"
                  + (unbound.getUnboundProperties().size() > 1 ? "s" : "")
                  + " (check the spelling against config/lifeboat.yml)");
        }
        String message = rootMessage(be);
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("Could not resolve placeholder '([^']+)'")
                .matcher(message);
        if (m.find()) {
          return Optional.of(
              key
                  + ": ${"
                  + m.group(1)
                  + "} is not set; export "
                  + m.group(1)
                  + " in the environment (secrets never go on the command line)");
        }
        return Optional.of(key + ": " + message);
      }
      if (t.getClass().getSimpleName().equals("PlaceholderResolutionException")) {
        return Optional.of(
            "configuration: "
                + t.getMessage().lines().findFirst().orElse("")
                + "; export the variable in the environment");
      }
    }
    return Optional.empty();
  }

  /** A configuration file Spring could not parse (a YAML syntax error such as a tab). */
  static Optional<String> configFileError(Throwable e, String configFile) {
    String location = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("property source from location '(?:file:)?([^']+)'")
              .matcher(String.valueOf(t.getMessage()));
      if (location == null && m.find()) {
        location = m.group(1);
      }
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException yaml) {
        org.yaml.snakeyaml.error.Mark mark = yaml.getProblemMark();
        String where =
            mark == null
                ? ""
                : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
        String problem = String.valueOf(yaml.getProblem()).lines().findFirst().orElse("");
        return Optional.of(
            "--config "
                + (location == null ? configFile : location)
                + ": not valid YAML"
                + where
                + ": "
                + problem);
      }
    }
    if (location != null) {
      return Optional.of("--config " + location + ": cannot be loaded: " + rootMessage(e));
    }
    return Optional.empty();
  }

  /** The first constraint a value broke, as {@code lifeboat.some-key: must be … (was …)}. */
  static String validationError(BindValidationException invalid) {
    ValidationErrors errors = invalid.getValidationErrors();
    String prefix = errors.getName().toString();
    for (ObjectError error : errors.getAllErrors()) {
      if (error instanceof FieldError field) {
        String key =
            prefix
                + "."
                + field
                    .getField()
                    .replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                    .toLowerCase(Locale.ROOT);
        return key + ": " + field.getDefaultMessage() + " (was " + field.getRejectedValue() + ")";
      }
      return prefix + ": " + error.getDefaultMessage();
    }
    return prefix + ": invalid";
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return m == null ? root.getClass().getSimpleName() : m.lines().findFirst().orElse("");
  }

  private static int usage(Arguments arguments, String message) {
    return fail(arguments, USAGE, message);
  }

  private static int fail(Arguments arguments, int code, String message) {
    message = dev.lifeboat.Redaction.urls(message);
    if (arguments.json()) {
      System.out.println(
          dev.lifeboat.Json.write(Map.of("status", "error", "exitCode", code, "error", message)));
    }
    System.err.println("lifeboat: " + message);
    return code;
  }
}
