package dev.lifeboat.cli;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ChecksumMode;
import dev.lifeboat.store.ObjectUpload;
import dev.lifeboat.store.S3StoreSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The training run of {@code bin/lifeboat}'s JVM cache (Java 25's AOT cache, or Java 17-24's CDS
 * archive): one JVM that goes through what Lifeboat's commands start and use, so that their classes
 * come from the cache instead of the jar. Needs no server: the full application starts for {@code
 * history}, a {@code backup} stops at its unreachable target, {@code backups} lists an S3 store
 * that this class answers itself on a local port, a dry {@code prune} launches a job through the
 * door, and a multipart upload, a download, zstd and SHA-256 run against that same store. Nothing
 * it does is a check; it always exits 0, and a step that fails only leaves its classes out of the
 * cache.
 *
 * <p>Not a command: {@code bin/lifeboat} runs it as {@code java -cp lifeboat.jar
 * dev.lifeboat.cli.AotTraining DIR} (the same class path as {@code -jar}, which the cache
 * requires).
 */
final class AotTraining {

  private static final String BUCKET = "train";
  private static final String KEY = "train-access";
  private static final String SECRET = "train-secret-not-a-secret";

  private AotTraining() {}

  public static void main(String[] args) {
    try {
      Path dir = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "."));
      // a training run that goes wrong makes a smaller cache, never a failed command
      train(dir).forEach(problem -> System.err.println("lifeboat: cache training: " + problem));
    } catch (Throwable e) {
      System.err.println("lifeboat: cache training: " + e);
    }
    System.exit(0);
  }

  /** Runs every step; returns what went otherwise than planned (nothing, when all is well). */
  static List<String> train(Path dir) throws Exception {
    List<String> problems = new ArrayList<>();
    Path store = Files.createDirectories(dir.resolve("store"));
    Path full = config(dir, "full.yml", "    s:", "      type: filesystem", "      path: " + store);
    // the full application: configuration, control database, Batch, scheduler, stores
    step(
        problems,
        "history",
        0,
        () -> Launcher.run(new String[] {"history", "--config", full.toString()}));
    // a verb through the door: a recorded Spring Batch job, its step, result and observers (a
    // restore or a drill runs the same launch path; its store here is empty, the target unused)
    step(
        problems,
        "prune",
        0,
        () -> Launcher.run(new String[] {"prune", "--dry-run", "--config", full.toString()}));
    // a data-moving command's start, up to its target (unreachable: it stops there, exit 2)
    step(
        problems,
        "backup",
        2,
        () -> Launcher.run(new String[] {"backup", "--config", full.toString()}));

    FakeS3 s3 = FakeS3.start();
    try {
      s3.put("lifeboat/t/20261126T000000Z/dump", "dump".getBytes(StandardCharsets.UTF_8));
      s3.put(
          "lifeboat/t/20261126T000000Z/manifest.json",
          manifest("20261126T000000Z").getBytes(StandardCharsets.UTF_8));
      Path s3config =
          config(
              dir,
              "s3.yml",
              "    s3:",
              "      type: s3",
              "      endpoint: " + s3.endpoint(),
              "      region: us-east-1",
              "      bucket: " + BUCKET,
              "      prefix: lifeboat/",
              "      path-style: true",
              "      access-key: " + KEY,
              "      secret-key: " + SECRET);
      // the read-only application and an S3 listing, twice: a cold and a cached manifest
      for (int i = 0; i < 2; i++) {
        step(
            problems,
            "backups",
            0,
            () -> Launcher.run(new String[] {"backups", "--config", s3config.toString()}));
      }
      // what a backup and a restore do with a store: a multipart upload, a download, zstd, SHA-256
      step(
          problems,
          "upload and download",
          0,
          () -> {
            roundTrip(s3.endpoint());
            return 0;
          });
    } finally {
      s3.stop();
    }
    return problems;
  }

  private static void roundTrip(URI endpoint) throws Exception {
    S3StoreSettings settings =
        new S3StoreSettings(
            "s3",
            endpoint,
            "us-east-1",
            BUCKET,
            "lifeboat/",
            true,
            KEY,
            SECRET,
            ChecksumMode.WHEN_REQUIRED,
            S3StoreSettings.MIN_PART_SIZE_BYTES,
            null,
            null,
            null);
    BackupStore store = BackupStore.s3(settings);
    try {
      byte[] data = new byte[S3StoreSettings.MIN_PART_SIZE_BYTES + 4096];
      new Random(1).nextBytes(data);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      ByteArrayOutputStream compressed = new ByteArrayOutputStream();
      try (ZstdOutputStream zstd = new ZstdOutputStream(compressed, 2)) {
        zstd.write(data);
      }
      sha.update(compressed.toByteArray());
      ObjectUpload upload = store.upload("t/20261126T010000Z/dump");
      upload.write(data, 0, data.length);
      upload.commit();
      store.probe();
      store.list("t/");
      try (InputStream in = store.open("t/20261126T000000Z/dump")) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      try (InputStream in =
          new ZstdInputStream(new java.io.ByteArrayInputStream(compressed.toByteArray()))) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      HexFormat.of().formatHex(sha.digest());
    } finally {
      store.close();
    }
  }

  private static String manifest(String id) {
    Instant started = Instant.parse("2026-11-26T00:00:00Z");
    return "{\"id\":\""
        + id
        + "\",\"target\":\"t\",\"label\":\"train\",\"startedAt\":\""
        + started
        + "\",\"completedAt\":\""
        + started.plusSeconds(60)
        + "\",\"format\":\"pg_dump-custom+zstd\",\"sizeBytes\":4,\"sha256\":\""
        + "0".repeat(64)
        + "\",\"rawBytes\":4,\"database\":\"t\",\"serverVersion\":\"15.0\","
        + "\"pgDumpVersion\":\"15.0\",\"lifeboatVersion\":\"train\",\"tables\":{\"public.t\":1},"
        + "\"rls\":{},\"pinned\":false}";
  }

  /** A configuration with target t (unreachable) and the given store lines; returns its path. */
  private static Path config(Path dir, String name, String... storeLines) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(
        file,
        String.join(
                "\n",
                "lifeboat:",
                "  home: " + dir.resolve("home"),
                "  targets:",
                "    t:",
                "      url: jdbc:postgresql://127.0.0.1:1/t",
                "      username: t",
                "  stores:",
                String.join("\n", storeLines))
            + "\n");
    return file;
  }

  private interface Step {
    int run() throws Exception;
  }

  private static void step(List<String> problems, String name, int expected, Step step) {
    try {
      int code = step.run();
      if (code != expected) {
        problems.add(name + " exited " + code + ", not " + expected);
      }
    } catch (Throwable e) {
      problems.add(name + ": " + e);
    }
  }

  /**
   * Just enough of S3 for the training, on 127.0.0.1: listing, PUT and GET of objects, multipart
   * uploads, HEAD of the bucket. Bodies of uploads are read and dropped (the SDK sends them in its
   * signed chunk encoding).
   */
  static final class FakeS3 {

    private static final DateTimeFormatter ISO =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HTTP =
        DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    private FakeS3(HttpServer server) {
      this.server = server;
    }

    static FakeS3 start() throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      FakeS3 s3 = new FakeS3(server);
      server.createContext("/", s3::handle);
      server.start();
      return s3;
    }

    URI endpoint() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void put(String key, byte[] bytes) {
      objects.put(key, bytes);
    }

    void stop() {
      server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
      try (ex) {
        ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        String bucketPath = "/" + BUCKET;
        String key =
            path.length() > bucketPath.length() + 1 ? path.substring(bucketPath.length() + 1) : "";
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        if (key.isEmpty() && method.equals("GET")) {
          String prefix = query.getOrDefault("prefix", "");
          StringBuilder xml =
              new StringBuilder(
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult"
                      + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>"
                      + BUCKET
                      + "</Name><Prefix>"
                      + prefix
                      + "</Prefix><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>");
          new TreeMap<>(objects)
              .forEach(
                  (k, v) -> {
                    if (k.startsWith(prefix)) {
                      xml.append("<Contents><Key>")
                          .append(k)
                          .append("</Key><LastModified>")
                          .append(ISO.format(now))
                          .append("</LastModified><ETag>")
                          .append(etag(v))
                          .append("</ETag><Size>")
                          .append(v.length)
                          .append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
                    }
                  });
          reply(ex, 200, xml.append("</ListBucketResult>").toString());
        } else if (key.isEmpty()) {
          reply(ex, 200, ""); // HEAD of the bucket: the probe
        } else if (method.equals("POST") && query.containsKey("uploads")) {
          reply(
              ex,
              200,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult><Bucket>"
                  + BUCKET
                  + "</Bucket><Key>"
                  + key
                  + "</Key><UploadId>train-upload</UploadId></InitiateMultipartUploadResult>");
        } else if (method.equals("POST") && query.containsKey("uploadId")) {
          objects.put(key, new byte[0]);
          reply(
              ex,
              200,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult><Bucket>"
                  + BUCKET
                  + "</Bucket><Key>"
                  + key
                  + "</Key><ETag>\"train-2\"</ETag></CompleteMultipartUploadResult>");
        } else if (method.equals("PUT")) {
          if (!query.containsKey("partNumber")) {
            objects.put(key, new byte[0]);
          }
          ex.getResponseHeaders().add("ETag", "\"train\"");
          reply(ex, 200, "");
        } else if (method.equals("DELETE")) {
          objects.remove(key);
          ex.sendResponseHeaders(204, -1);
        } else if (objects.containsKey(key)) {
          byte[] body = objects.get(key);
          ex.getResponseHeaders().add("ETag", etag(body));
          ex.getResponseHeaders().add("Last-Modified", HTTP.format(now));
          ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
          if (method.equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(200, -1);
          } else {
            ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            ex.getResponseBody().write(body);
          }
        } else {
          reply(
              ex,
              404,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
                  + "<Message>The specified key does not exist.</Message></Error>");
        }
      }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      if (!body.isEmpty()) {
        ex.getResponseHeaders().add("Content-Type", "application/xml");
      }
      if (ex.getRequestMethod().equals("HEAD") || bytes.length == 0) {
        ex.sendResponseHeaders(status, -1);
      } else {
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
      }
    }

    private static String etag(byte[] bytes) {
      try {
        return "\""
            + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes))
            + "\"";
      } catch (java.security.NoSuchAlgorithmException e) {
        return "\"0\"";
      }
    }

    private static Map<String, String> query(String raw) {
      Map<String, String> q = new TreeMap<>();
      if (raw == null) {
        return q;
      }
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String name =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        q.put(name, value);
      }
      return q;
    }
  }
}
