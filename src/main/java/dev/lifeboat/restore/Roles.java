package dev.lifeboat.restore;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.backup.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Target;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.pg.PgErrors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The roles of a backup's globals ({@code pg_dumpall --globals-only}): which are missing on a
 * destination server, and creating exactly those (with their attributes, settings and memberships),
 * never altering a role that exists.
 */
public final class Roles {

  private static final String IDENT = "(\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*)";
  private static final Pattern CREATE = Pattern.compile("^CREATE ROLE " + IDENT + ";$");
  private static final Pattern ALTER = Pattern.compile("^ALTER ROLE " + IDENT + " (.*);$");
  private static final Pattern GRANT =
      Pattern.compile("^GRANT " + IDENT + " TO " + IDENT + "(.*?)( GRANTED BY " + IDENT + ")?;$");

  private Roles() {}

  /** Each role of the globals, unquoted name to the statements that make it as it was. */
  static Map<String, List<String>> parse(String sql) {
    Map<String, List<String>> roles = new LinkedHashMap<>();
    for (String line : sql.split("\\R")) {
      Matcher c = CREATE.matcher(line);
      if (c.matches()) {
        roles.computeIfAbsent(unquote(c.group(1)), k -> new ArrayList<>()).add(line);
        continue;
      }
      Matcher a = ALTER.matcher(line);
      // per-database settings name databases the new server may not have: left out
      if (a.matches() && !a.group(2).startsWith("IN DATABASE ")) {
        List<String> statements = roles.get(unquote(a.group(1)));
        if (statements != null) {
          statements.add(line);
        }
      }
    }
    return roles;
  }

  /** The names of {@code roles} that do not exist on the server {@code c} is connected to. */
  static List<String> missing(Connection c, Iterable<String> roles) throws SQLException {
    List<String> missing = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
      for (String role : roles) {
        ps.setString(1, role);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            missing.add(role);
          }
        }
      }
    }
    return missing;
  }

  /**
   * Creates the roles of {@code names} that are still missing, then their memberships; returns the
   * roles it created. A membership that cannot be granted is skipped (returned in {@code skipped}).
   */
  static List<String> create(Connection c, String sql, List<String> names, List<String> skipped)
      throws SQLException {
    Map<String, List<String>> roles = parse(sql);
    List<String> created = new ArrayList<>();
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      List<String> stillMissing = missing(c, names);
      for (String name : stillMissing) {
        try (Statement st = c.createStatement()) {
          for (String statement : roles.getOrDefault(name, List.of())) {
            st.execute(statement);
          }
        }
        created.add(name);
      }
      for (String line : sql.split("\\R")) {
        Matcher g = GRANT.matcher(line);
        if (!g.matches() || !created.contains(unquote(g.group(2)))) {
          continue;
        }
        // GRANTED BY may name a role this server lacks; the grant itself is what matters
        String grant = "GRANT " + g.group(1) + " TO " + g.group(2) + g.group(3);
        Savepoint sp = c.setSavepoint();
        try (Statement st = c.createStatement()) {
          st.execute(grant);
        } catch (SQLException e) {
          c.rollback(sp);
          skipped.add(grant + " (" + PgErrors.firstLine(e.getMessage()) + ")");
        }
      }
      c.commit();
      return created;
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /**
   * The globals of a backup, read from the first of {@code stores} that gives them back whole (size
   * and SHA-256 as in the manifest).
   */
  static String read(
      LifeboatConfig config, Target target, List<String> stores, Manifest.Globals globals) {
    List<String> problems = new ArrayList<>();
    for (String store : stores) {
      try (InputStream in = config.store(store).open(globals.key())) {
        byte[] bytes = in.readAllBytes();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        if (bytes.length != globals.sizeBytes() || !sha.equals(globals.sha256())) {
          problems.add(store + ": size or SHA-256 differs from the manifest");
          continue;
        }
        InputStream stored = new ByteArrayInputStream(bytes);
        if (Age.isAge(bytes)) {
          // the globals of an encrypted backup are encrypted to the same recipients
          stored = Age.decrypting(stored, config.identities(target));
        }
        try (InputStream z = new ZstdInputStream(stored)) {
          return new String(z.readAllBytes(), StandardCharsets.UTF_8);
        }
      } catch (Age.NoMatchingIdentity e) {
        problems.add(store + ": none of the identities opens it");
      } catch (IOException | RuntimeException e) {
        problems.add(store + ": " + e.getMessage());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new RestoreException(
        "cannot read the backup's globals (" + globals.key() + "): " + String.join("; ", problems));
  }

  /**
   * Creates on {@code server} the roles of a backup's globals that it lacks (a drill on a brand-new
   * {@code drill-url} server), never altering those that exist; returns the ones created.
   */
  public static List<String> createMissing(
      LifeboatConfig config,
      Target target,
      List<String> stores,
      Manifest.Globals globals,
      dev.lifeboat.pg.PgConnection server)
      throws SQLException {
    String sql = read(config, target, stores, globals);
    try (Connection c = server.open()) {
      List<String> missing = missing(c, parse(sql).keySet());
      if (missing.isEmpty()) {
        return List.of();
      }
      List<String> skipped = new ArrayList<>();
      List<String> created = create(c, sql, missing, skipped);
      skipped.forEach(
          s ->
              org.slf4j.LoggerFactory.getLogger(Roles.class).warn("membership not granted: {}", s));
      return created;
    }
  }

  static String unquote(String ident) {
    return ident.startsWith("\"")
        ? ident.substring(1, ident.length() - 1).replace("\"\"", "\"")
        : ident.toLowerCase(java.util.Locale.ROOT);
  }
}
