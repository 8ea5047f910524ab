package dev.lifeboat.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * A real S3 endpoint for tests: s3proxy 4.1.0 over a temporary directory, in its own process so
 * fault tests can {@link #kill()} it and {@link #restart()} it on the same port with the same data.
 *
 * <p>The child watches its stdin and exits when this JVM dies, so a crashed test run leaves no
 * server behind.
 */
public final class S3ProxyServer implements AutoCloseable {

  public static final String REGION = "us-east-1";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Map<String, S3ProxyServer> SHARED = new ConcurrentHashMap<>();

  private final Path workDir;
  private final Path dataDir;
  private final Path log;
  private final Path properties;
  private final int port;
  private final String accessKey = "lifeboat-test-access";
  private final String secretKey = "lifeboat-test-secret-" + Long.toHexString(System.nanoTime());
  private Process process;

  private S3ProxyServer() {
    try {
      workDir = Files.createTempDirectory("s3proxy-");
      dataDir = Files.createDirectories(workDir.resolve("data"));
      log = workDir.resolve("s3proxy.log");
      properties = workDir.resolve("s3proxy.properties");
      port = freePort();
      Files.writeString(
          properties,
          String.join(
              "\n",
              "s3proxy.endpoint=http://127.0.0.1:" + port,
              "s3proxy.authorization=aws-v2-or-v4",
              "s3proxy.identity=" + accessKey,
              "s3proxy.credential=" + secretKey,
              "jclouds.provider=filesystem",
              "jclouds.filesystem.basedir=" + dataDir,
              ""));
      Files.writeString(
          workDir.resolve("logback.xml"),
          """
          <configuration>
            <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
              <target>System.err</target>
              <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
            </appender>
            <root level="WARN"><appender-ref ref="err"/></root>
          </configuration>
          """);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare s3proxy's directory", e);
    }
  }

  /** A new server of your own; {@link #close()} it when done. */
  public static S3ProxyServer start() {
    S3ProxyServer server = new S3ProxyServer();
    server.launch();
    return server;
  }

  /**
   * A server shared by every test class that asks for the same {@code id}, started on first use and
   * stopped when the JVM exits. Do not kill a shared server: take your own for fault tests.
   */
  public static S3ProxyServer shared(String id) {
    return SHARED.computeIfAbsent(
        id,
        ignored -> {
          S3ProxyServer server = start();
          Runtime.getRuntime()
              .addShutdownHook(new Thread(server::close, "s3proxy-" + id + "-shutdown"));
          return server;
        });
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public String region() {
    return REGION;
  }

  /** The filesystem backend's directory: {@code <dataDir>/<bucket>/<key>}. */
  public Path dataDir() {
    return dataDir;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** Creates a bucket; one that already exists is fine. */
  public void createBucket(String name) {
    try (S3Client s3 = client()) {
      s3.createBucket(b -> b.bucket(name));
    } catch (BucketAlreadyOwnedByYouException e) {
      // already there
    }
  }

  /** A plain SDK client for assertions that go around the code under test. */
  public S3Client client() {
    return S3Client.builder()
        .endpointOverride(endpoint())
        .region(Region.of(REGION))
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server politely (SIGTERM); data stays for {@link #restart()}. */
  public synchronized void stop() {
    end(false);
  }

  /** Kills the server at once (SIGKILL), as a crash or power cut would. */
  public synchronized void kill() {
    end(true);
  }

  /** Starts the server again on the same port over the same data. */
  public synchronized void restart() {
    end(false);
    launch();
  }

  /** Stops the server and removes its data. */
  @Override
  public synchronized void close() {
    end(false);
    try (Stream<Path> files = Files.walk(workDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temp directory left behind is harmless
    }
  }

  @Override
  public String toString() {
    return "s3proxy at " + endpoint() + " over " + dataDir;
  }

  private synchronized void launch() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dlogback.configurationFile=" + workDir.resolve("logback.xml"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ParentWatch.class.getName());
    command.add("--properties");
    command.add(properties.toString());
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      LaunchLog.started(process, "s3proxy");
    } catch (IOException e) {
      throw new IllegalStateException("cannot start s3proxy: " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "s3proxy exited with code " + process.exitValue() + " while starting:\n" + logTail());
      }
      if (answers()) {
        return;
      }
      sleep(50);
    }
    end(true);
    throw new IllegalStateException(
        "s3proxy did not answer on port " + port + " within " + START_TIMEOUT + ":\n" + logTail());
  }

  private void end(boolean forcibly) {
    if (process == null) {
      return;
    }
    if (forcibly) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private boolean answers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String logTail() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for s3proxy", e);
    }
  }

  /**
   * The child's main: runs s3proxy and exits when the parent's end of stdin closes, i.e. when the
   * test JVM is gone, however it ended.
   */
  public static final class ParentWatch {

    private ParentWatch() {}

    public static void main(String[] args) throws Exception {
      Thread watch =
          new Thread(
              () -> {
                try (InputStream in = System.in) {
                  while (in.read() >= 0) {
                    // the parent never writes; read() returns -1 once it has gone
                  }
                } catch (IOException e) {
                  // treat a broken stdin like a closed one
                }
                Runtime.getRuntime().halt(0);
              },
              "parent-watch");
      watch.setDaemon(true);
      watch.start();
      org.gaul.s3proxy.Main.main(args);
    }
  }
}
