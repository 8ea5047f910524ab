package dev.lifeboat.cli;

import dev.lifeboat.base.LifeboatException;
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
import org.springframework.boot.context.properties.bind.Name;
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

  /**
   * One command line parsed by picocli over a fresh command tree. A Spring property ({@code
   * --lifeboat.home=/x}: a dotted key with a value), before or after the command name, is not an
   * option of any command: picocli hands it back as unmatched and it goes to Spring; any other
   * unmatched argument is refused with picocli's own message.
   */
  record Invocation(
      CommandLine cli, CommandLine.ParseResult parsed, List<String> springProperties) {

    static Invocation parse(List<String> args) {
      CommandLine cli = new CommandLine(new LifeboatCommand());
      prepare(cli);
      CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
      List<String> spring = new ArrayList<>();
      for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
        List<String> unknown = new ArrayList<>();
        for (String a : level.unmatched()) {
          (isSpringProperty(a) ? spring : unknown).add(a);
        }
        if (!unknown.isEmpty()) {
          throw new CommandLine.UnmatchedArgumentException(
              level.commandSpec().commandLine(), unknown);
        }
      }
      return new Invocation(cli, parsed, List.copyOf(spring));
    }

    /** Every command answers {@code -h} and {@code -V}, and hands back what it does not match. */
    private static void prepare(CommandLine command) {
      CommandLine.Model.CommandSpec spec = command.getCommandSpec();
      if (!spec.mixinStandardHelpOptions()) {
        spec.mixinStandardHelpOptions(true);
      }
      spec.addUnmatchedArgsBinding(
          CommandLine.Model.UnmatchedArgsBinding.forStringArrayConsumer(
              new CommandLine.Model.ISetter() {
                @Override
                public <T> T set(T value) {
                  return null; // read back from the parse result, level by level
                }
              }));
      command.getSubcommands().values().forEach(Invocation::prepare);
    }

    private static boolean isSpringProperty(String a) {
      return a.startsWith("--") && a.contains("=") && a.substring(2, a.indexOf('=')).contains(".");
    }

    LifeboatCommand root() {
      return cli.getCommand();
    }

    /** The subcommand's name, or null when none was given. */
    String name() {
      return parsed.hasSubcommand() ? parsed.subcommand().commandSpec().name() : null;
    }

    /** Every {@code --config}, before and after the command name, in order. */
    List<Path> configFiles() {
      // an inherited option shares one field: the command's own --config would replace the
      // top-level ones, so the values are taken from each level as typed
      List<Path> files = new ArrayList<>();
      for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
        CommandLine.Model.OptionSpec option = level.matchedOption("--config");
        if (option != null) {
          option.stringValues().forEach(v -> files.add(Path.of(v)));
        }
      }
      return files;
    }

    boolean json() {
      return root().json;
    }
  }

  public static int run(String[] args) {
    // first thing: from here on a signal never meets the JVM's default handling (exit 143 at once,
    // racing the command's own exit); one that arrives before Spring is up stops the command then
    Signals.install();
    boolean json = java.util.Arrays.asList(args).contains("--json");
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
            json,
            "--"
                + key
                + ": secrets are refused on the command line, where every user sees them (ps);"
                + " set them from the environment (${VAR}) or a file (${file:/path}) in the"
                + " configuration");
      }
    }
    Invocation invocation;
    try {
      invocation = Invocation.parse(java.util.Arrays.asList(args));
    } catch (CommandLine.ParameterException e) {
      return usage(json, e.getMessage() + " (see: lifeboat --help)");
    }
    // --help and --version answer without starting anything
    if (CommandLine.printHelpIfRequested(invocation.parsed())) {
      return OK;
    }
    // "version --short" answers without starting anything, like --version
    if ("version".equals(invocation.name())
        && invocation.parsed().subcommand().hasMatchedOption("--short")) {
      System.out.println(dev.lifeboat.base.LifeboatVersion.get());
      return OK;
    }
    if (invocation.name() == null) {
      invocation.cli().usage(System.err);
      return USAGE;
    }
    for (Path file : invocation.configFiles()) {
      Optional<String> problem = unusableConfigFile(file);
      if (problem.isPresent()) {
        return usage(invocation.json(), problem.get());
      }
    }
    if ("demo".equals(invocation.name())) {
      return Demo.run(
          ((DemoCommand) invocation.parsed().subcommand().commandSpec().userObject()).scale,
          invocation.springProperties(),
          (configFile, commands) -> {
            List<Path> files = new ArrayList<>(invocation.configFiles());
            files.add(configFile);
            return runInSpring(
                files,
                invocation.springProperties(),
                java.util.Arrays.stream(commands)
                    .map(c -> Invocation.parse(java.util.Arrays.asList(c)))
                    .toArray(Invocation[]::new));
          });
    }
    return runInSpring(invocation.configFiles(), invocation.springProperties(), invocation);
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
   * Starts Spring once with {@code configFiles} and runs each invocation in it; returns the first
   * non-zero exit code (a partial result, 3, lets the next one run).
   */
  static int runInSpring(
      List<Path> configFiles, List<String> springProperties, Invocation... invocations) {
    boolean json = invocations.length > 0 && invocations[0].json();
    boolean serve = java.util.Arrays.stream(invocations).anyMatch(i -> "serve".equals(i.name()));
    boolean lazy = lazyStart(invocations);
    // a read-only command starts a smaller application: the configuration, the stores' catalog and
    // the metrics, without the control database, Batch or the scheduler (ReadOnlyApplication)
    SpringApplication app =
        new SpringApplication(lazy ? ReadOnlyApplication.class : FullApplication.class);
    app.setBannerMode(Banner.Mode.OFF);
    app.setLogStartupInfo(false);
    app.setWebApplicationType(serve ? WebApplicationType.SERVLET : WebApplicationType.NONE);
    Map<String, Object> defaults = new LinkedHashMap<>();
    if (lazy) {
      // and makes only the beans it asks for (the meters only when they are pushed)
      defaults.put("spring.main.lazy-initialization", "true");
    } else if (!serve) {
      // a one-shot command of the full application leaves out what only the daemon serves
      defaults.put(
          "spring.autoconfigure.exclude", OneShotStart.excluded(Launcher.class.getClassLoader()));
    }
    // A command's own output is the story; the daemon is where logs belong.
    defaults.put("logging.level.root", "WARN");
    defaults.put("logging.level.org.springframework.batch", "OFF");
    defaults.put("logging.level.org.springframework", "ERROR");
    defaults.put("logging.level.org.springframework.boot.SpringApplication", "OFF");
    defaults.put("logging.level.org.springframework.boot.diagnostics", "OFF");
    // the control schema's upgrades are Lifeboat's business, not the user's
    defaults.put("logging.level.org.flywaydb", "ERROR");
    String pushgateway = "management.prometheus.metrics.export.pushgateway.";
    if (serve) {
      // one line per job event from lifeboat.jobs; Quartz and Tomcat only when something is wrong
      defaults.put("logging.level.lifeboat", "INFO");
      defaults.put("logging.level.dev.lifeboat", "INFO");
      defaults.put("logging.level.org.quartz", "WARN");
      defaults.put("server.port", "${lifeboat.http.port:8080}");
      defaults.put("server.address", "${lifeboat.http.address:127.0.0.1}");
      defaults.put("server.shutdown", "immediate");
      // nothing but health and prometheus answers on the port
      defaults.put("management.endpoints.web.exposure.include", "health,prometheus");
      defaults.put("management.endpoints.web.discovery.enabled", "false");
      // details only for requests from this machine (LocalHealthDetails)
      defaults.put("management.endpoint.health.show-details", "when-authorized");
      defaults.put("management.endpoint.health.show-components", "when-authorized");
      defaults.put(pushgateway + "enabled", "false");
    } else {
      // a one-shot command pushes its metrics once, at exit, into a group of its own (CONTRACT §5)
      defaults.put(pushgateway + "enabled", "false");
      defaults.put(pushgateway + "job", "lifeboat");
      defaults.put(pushgateway + "shutdown-operation", "put");
      defaults.put(
          pushgateway + "grouping-key.command",
          invocations.length == 0 || invocations[0].name() == null
              ? "lifeboat"
              : invocations[0].name());
    }
    if (!configFiles.isEmpty()) {
      defaults.put(
          "spring.config.additional-location",
          String.join(",", configFiles.stream().map(p -> "file:" + p.toAbsolutePath()).toList()));
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
      context = app.run(springProperties.toArray(String[]::new));
      if (lazy) {
        // the whole configuration is still checked at start, and its mistakes reported as such
        try {
          context.getBean(dev.lifeboat.config.LifeboatConfig.class);
        } catch (RuntimeException e) {
          context.close();
          throw e;
        }
      }
    } catch (Throwable e) {
      Optional<String> configError = configurationError(e, configFiles);
      if (configError.isPresent()) {
        return usage(json, configError.get());
      }
      return fail(json, FAILED, "lifeboat could not start: " + rootMessage(e));
    }
    // SIGTERM / Ctrl-C: stop the running job (STOPPED, uploads aborted) while everything is still
    // open; the command then ends with its own exit code
    Signals.Attached signals =
        Signals.attach(
            new Signals.Application() {
              @Override
              public void stop() {
                try {
                  context.stop();
                } catch (RuntimeException e) {
                  // closed already: the command has ended
                  org.slf4j.LoggerFactory.getLogger(Launcher.class)
                      .debug("could not stop the application: {}", e.toString());
                }
              }

              @Override
              public void close() {
                context.close();
              }
            },
            java.time.Duration.ofSeconds(5));
    try {
      int exit = OK;
      for (Invocation invocation : invocations) {
        int code = execute(context, invocation, serve);
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
      signals.close();
    }
  }

  /**
   * Commands that only read the stores: they start {@link ReadOnlyApplication}, lazily (CONTRACT
   * unchanged).
   */
  static final java.util.Set<String> LAZY_COMMANDS = java.util.Set.of("backups", "signing-key");

  /** Whether Spring may make beans on first use: only when every invocation is read-only. */
  static boolean lazyStart(Invocation... invocations) {
    return invocations.length > 0
        && java.util.Arrays.stream(invocations).allMatch(i -> LAZY_COMMANDS.contains(i.name()));
  }

  /** Runs one parsed command in the started application; the one place exceptions become codes. */
  static int execute(ConfigurableApplicationContext context, Invocation invocation, boolean quiet) {
    Console console = context.getBean(Console.class);
    console.configure(invocation.json(), quiet);
    invocation.root().context = context;
    try {
      return new CommandLine.RunLast().execute(invocation.parsed());
    } catch (CommandLine.ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      int code = exitCode(cause);
      String message = describe(cause);
      if (console.json()) {
        console.printJson(Map.of("status", "error", "exitCode", code, "error", message));
      }
      console.error("lifeboat: " + message);
      return code;
    }
  }

  /** The exit code an exception carries; anything Lifeboat did not foresee is a failure. */
  static int exitCode(Throwable e) {
    return e instanceof LifeboatException known ? known.exitCode() : FAILED;
  }

  /** A foreseen failure's own sentence; an unforeseen one names its type. */
  static String describe(Throwable e) {
    if (e instanceof LifeboatException) {
      return e.getMessage();
    }
    return e.getClass().getSimpleName() + ": " + rootMessage(e);
  }

  /** A binding or placeholder failure at start-up, as one line naming the key. */
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
      if (t instanceof org.springframework.boot.web.server.PortInUseException) {
        return Optional.of(
            "lifeboat.http.port: "
                + dev.lifeboat.pg.PgErrors.firstLine(t.getMessage())
                + " Stop what uses it, or choose another port (lifeboat.http.port,"
                + " LIFEBOAT_HTTP_PORT)");
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
      if (t instanceof org.springframework.util.PlaceholderResolutionException) {
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
        String key = configurationKey(prefix, field.getField());
        return key + ": " + field.getDefaultMessage() + " (was " + field.getRejectedValue() + ")";
      }
      return prefix + ": " + error.getDefaultMessage();
    }
    return prefix + ": invalid";
  }

  /**
   * The key a field of a validated properties record is configured under: the Java path dashed,
   * each component renamed with {@code @Name} under that name ({@code notifications.timeout} is
   * configured as {@code lifeboat.notify.timeout}).
   */
  static String configurationKey(String prefix, String field) {
    Class<?> type = prefix.equals("lifeboat") ? dev.lifeboat.config.LifeboatProperties.class : null;
    StringBuilder key = new StringBuilder(prefix);
    for (String segment : field.split("\\.")) {
      int bracket = segment.indexOf('[');
      String name = bracket < 0 ? segment : segment.substring(0, bracket);
      String index = bracket < 0 ? "" : segment.substring(bracket);
      String configured = name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
      Class<?> next = null;
      if (type != null && type.isRecord()) {
        try {
          java.lang.reflect.Field component = type.getDeclaredField(name);
          Name renamed = component.getAnnotation(Name.class);
          if (renamed != null) {
            configured = renamed.value();
          }
          next = valueType(component.getGenericType(), !index.isEmpty());
        } catch (NoSuchFieldException e) {
          // not a component of this record: the dashed Java name is the best guess
        }
      }
      key.append('.').append(configured).append(index);
      type = next;
    }
    return key.toString();
  }

  /** The type a path goes on into: the element (or map value) type after an index. */
  private static Class<?> valueType(java.lang.reflect.Type type, boolean indexed) {
    if (indexed && type instanceof java.lang.reflect.ParameterizedType generic) {
      java.lang.reflect.Type[] arguments = generic.getActualTypeArguments();
      type = arguments[arguments.length - 1];
    }
    if (type instanceof java.lang.reflect.ParameterizedType generic) {
      type = generic.getRawType();
    }
    return type instanceof Class<?> c ? c : null;
  }

  static String rootMessage(Throwable e) {
    return dev.lifeboat.pg.PgErrors.rootCause(e);
  }

  private static int usage(boolean json, String message) {
    return fail(json, USAGE, message);
  }

  private static int fail(boolean json, int code, String message) {
    message = dev.lifeboat.base.Redaction.urls(message);
    if (json) {
      System.out.println(
          dev.lifeboat.base.Json.write(
              Map.of("status", "error", "exitCode", code, "error", message)));
    }
    System.err.println("lifeboat: " + message);
    return code;
  }
}
