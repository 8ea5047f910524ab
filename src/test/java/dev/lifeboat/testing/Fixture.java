package dev.lifeboat.testing;

import dev.lifeboat.pg.PgConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes configuration files for CLI tests: targets and stores, secrets through placeholders. */
public final class Fixture {

  public final Path dir;
  public final Path home;
  public final Map<String, String> stores = new LinkedHashMap<>();
  public final Map<String, String> env = new LinkedHashMap<>();
  public final List<String> extra = new ArrayList<>();
  public final Map<String, List<String>> targetExtra = new LinkedHashMap<>();

  public Fixture(Path dir) throws IOException {
    this.dir = dir;
    this.home = Files.createDirectories(dir.resolve("home"));
  }

  public Fixture s3(String name, S3ProxyServer server, String bucket) {
    return s3(name, server, bucket, server.endpoint().toString());
  }

  /**
   * An S3 store of {@code server}'s bucket reached through {@code endpoint} (a proxy in front of
   * it), with the server's credentials.
   */
  public Fixture s3(String name, S3ProxyServer server, String bucket, String endpoint) {
    String var = name.toUpperCase().replace('-', '_');
    env.put(var + "_KEY", server.accessKey());
    env.put(var + "_SECRET", server.secretKey());
    stores.put(
        name,
        "{ type: s3, endpoint: \""
            + endpoint
            + "\", region: us-east-1, bucket: "
            + bucket
            + ", prefix: lifeboat/, path-style: true, part-size: 5MB, access-key: \"${"
            + var
            + "_KEY}\", secret-key: \"${"
            + var
            + "_SECRET}\" }");
    return this;
  }

  public Fixture s3At(String name, String endpoint, String bucket) {
    String var = name.toUpperCase().replace('-', '_');
    env.put(var + "_KEY", "nobody");
    env.put(var + "_SECRET", "nothing");
    stores.put(
        name,
        "{ type: s3, endpoint: \""
            + endpoint
            + "\", bucket: "
            + bucket
            + ", path-style: true, access-key: \"${"
            + var
            + "_KEY}\", secret-key: \"${"
            + var
            + "_SECRET}\" }");
    return this;
  }

  public Fixture filesystem(String name, Path path) {
    stores.put(name, "{ type: filesystem, path: \"" + path + "\" }");
    return this;
  }

  /**
   * Adds raw YAML lines: two-space indented ones land under {@code lifeboat:}, unindented ones are
   * top-level keys.
   */
  public Fixture yaml(String lines) {
    extra.add(lines);
    return this;
  }

  /** Adds raw YAML lines under {@code lifeboat.targets.<target>:}, indented by six spaces. */
  public Fixture targetYaml(String target, String lines) {
    targetExtra.computeIfAbsent(target, t -> new ArrayList<>()).add(lines);
    return this;
  }

  /** Writes a config with one target per name, all pointing at {@code db}; returns its path. */
  public Path write(PgConnection db, String... targets) throws IOException {
    env.put("APP_DB_PASSWORD", db.password());
    StringBuilder y = new StringBuilder("lifeboat:\n  home: \"" + home + "\"\n  targets:\n");
    for (String t : targets) {
      y.append("    ")
          .append(t)
          .append(":\n")
          .append("      url: \"")
          .append(db.jdbcUrl())
          .append("\"\n")
          .append("      username: ")
          .append(db.user())
          .append("\n")
          .append("      password: \"${APP_DB_PASSWORD}\"\n");
      targetExtra.getOrDefault(t, List.of()).forEach(e -> y.append(e).append("\n"));
    }
    y.append("  stores:\n");
    stores.forEach((n, s) -> y.append("    ").append(n).append(": ").append(s).append("\n"));
    extra.forEach(e -> y.append(e).append("\n"));
    Path file = dir.resolve("lifeboat-" + System.nanoTime() + ".yml");
    Files.writeString(file, y.toString());
    return file;
  }

  public LifeboatCli cli() {
    LifeboatCli cli = new LifeboatCli(dir);
    env.forEach(cli::env);
    return cli;
  }
}
