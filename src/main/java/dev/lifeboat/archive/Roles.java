package dev.lifeboat.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.TargetKeys;
import dev.lifeboat.pg.DatabaseMark;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.target.Targets;
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
  private static final Pattern COMMENT =
      Pattern.compile("^COMMENT ON ROLE " + IDENT + " IS '((?:[^']|'')*)';$");
  private static final Pattern GRANT =
      Pattern.compile("^GRANT " + IDENT + " TO " + IDENT + "(.*?)( GRANTED BY " + IDENT + ")?;$");

  /** The mark kind of a role a drill created on its server: dropped after the drill. */
  public static final String DRILL_ROLE = "drill-role";

  /** Attributes a restore creates only with {@code --create-privileged-roles}. */
  static final List<String> PRIVILEGED = List.of("SUPERUSER", "REPLICATION", "BYPASSRLS");

  private static final List<String> SHOWN =
      List.of("SUPERUSER", "REPLICATION", "BYPASSRLS", "CREATEROLE", "CREATEDB", "NOINHERIT");

  private Roles() {}

  /**
   * A role of the globals: its name, the statements that make it as it was, and its attributes as a
   * person reads them ({@code LOGIN}, {@code SUPERUSER}, {@code password hash}…).
   *
   * @param privileged which of SUPERUSER, REPLICATION and BYPASSRLS it has
   */
  public record Role(
      String name,
      List<String> statements,
      List<String> attributes,
      List<String> privileged,
      boolean password) {

    /** {@code name (LOGIN, CREATEDB, password hash from the backup)}. */
    public String describe() {
      return name + " (" + String.join(", ", attributes) + ")";
    }
  }

  /**
   * Each role of the globals with its attributes, by unquoted name; roles a drill made (they carry
   * Lifeboat's mark, {@link #DRILL_ROLE}) were on the server only for a drill and are left out.
   */
  public static Map<String, Role> roles(String sql) {
    List<String> drillRoles = new ArrayList<>();
    for (String line : sql.split("\\R")) {
      Matcher c = COMMENT.matcher(line);
      if (c.matches()
          && DatabaseMark.marks(c.group(2).replace("''", "'"), unquote(c.group(1)), DRILL_ROLE)) {
        drillRoles.add(unquote(c.group(1)));
      }
    }
    Map<String, Role> roles = new LinkedHashMap<>();
    parse(sql)
        .forEach(
            (name, statements) -> {
              if (drillRoles.contains(name)) {
                return;
              }
              List<String> tokens = new ArrayList<>();
              for (String statement : statements) {
                Matcher a = ALTER.matcher(statement);
                if (a.matches() && a.group(2).startsWith("WITH ")) {
                  tokens.addAll(tokens(a.group(2).substring("WITH ".length())));
                }
              }
              List<String> upper =
                  tokens.stream().map(t -> t.toUpperCase(java.util.Locale.ROOT)).toList();
              List<String> attributes = new ArrayList<>();
              attributes.add(upper.contains("LOGIN") ? "LOGIN" : "NOLOGIN");
              SHOWN.stream().filter(upper::contains).forEach(attributes::add);
              int limit = upper.indexOf("LIMIT");
              if (limit > 0
                  && upper.get(limit - 1).equals("CONNECTION")
                  && limit + 1 < tokens.size()) {
                attributes.add("CONNECTION LIMIT " + tokens.get(limit + 1));
              }
              int until = upper.indexOf("UNTIL");
              if (until > 0 && upper.get(until - 1).equals("VALID") && until + 1 < tokens.size()) {
                attributes.add("VALID UNTIL " + tokens.get(until + 1));
              }
              boolean password = upper.contains("PASSWORD");
              if (password) {
                attributes.add("password hash from the backup");
              }
              List<String> privileged = PRIVILEGED.stream().filter(upper::contains).toList();
              roles.put(
                  name,
                  new Role(
                      name,
                      List.copyOf(statements),
                      List.copyOf(attributes),
                      privileged,
                      password));
            });
    return roles;
  }

  /** The words of a role's options, a quoted string ({@code 'a b'}) as one. */
  static List<String> tokens(String options) {
    List<String> tokens = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < options.length(); i++) {
      char ch = options.charAt(i);
      if (ch == '\'') {
        quoted = !quoted;
        current.append(ch);
      } else if (Character.isWhitespace(ch) && !quoted) {
        if (current.length() > 0) {
          tokens.add(current.toString());
          current.setLength(0);
        }
      } else {
        current.append(ch);
      }
    }
    if (current.length() > 0) {
      tokens.add(current.toString());
    }
    return tokens;
  }

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
  public static List<String> missing(Connection c, Iterable<String> roles) throws SQLException {
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
  public static List<String> create(
      Connection c, String sql, List<String> names, List<String> skipped) throws SQLException {
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
      grantMemberships(c, sql, created, skipped);
      c.commit();
      return created;
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** Grants the memberships of the globals whose member is one of {@code created}. */
  private static void grantMemberships(
      Connection c, String sql, List<String> created, List<String> skipped) throws SQLException {
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
  }

  /**
   * The globals of a backup, read from the first of {@code stores} that gives them back whole (size
   * and SHA-256 as in the manifest).
   */
  public static String read(
      Targets targets, TargetKeys keys, List<String> stores, Manifest.Globals globals) {
    List<String> problems = new ArrayList<>();
    for (String store : stores) {
      try (InputStream in = targets.store(store).open(globals.key())) {
        byte[] bytes = in.readAllBytes();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        if (bytes.length != globals.sizeBytes() || !sha.equals(globals.sha256())) {
          problems.add(store + ": size or SHA-256 differs from the manifest");
          continue;
        }
        InputStream stored = new ByteArrayInputStream(bytes);
        if (Age.isAge(bytes)) {
          // the globals of an encrypted backup are encrypted to the same recipients
          stored = Age.decrypting(stored, keys.identities());
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
    throw new ArchiveException(
        "cannot read the backup's globals (" + globals.key() + "): " + String.join("; ", problems));
  }

  /**
   * Creates on a drill server ({@code server}, a brand-new {@code drill-url} one) the roles of a
   * backup's globals that it lacks, never altering those that exist; returns what it created. A
   * drill needs those roles only so that the archive's owners, grants and policies restore: they
   * are made without LOGIN, password, SUPERUSER, REPLICATION or BYPASSRLS, each marked as made by
   * drill run {@code run} ({@link #DRILL_ROLE}) in the same transaction, and dropped after the
   * drill ({@link #dropDrillRoles}).
   */
  public static List<Created> createForDrill(
      Targets targets,
      TargetKeys keys,
      List<String> stores,
      Manifest.Globals globals,
      dev.lifeboat.pg.PgConnection server,
      String run)
      throws SQLException {
    String sql = read(targets, keys, stores, globals);
    Map<String, Role> roles = roles(sql);
    try (Connection c = server.open()) {
      List<String> missing = missing(c, roles.keySet());
      if (missing.isEmpty()) {
        return List.of();
      }
      List<Created> created = new ArrayList<>();
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        for (String name : missing(c, missing)) {
          Role role = roles.get(name);
          boolean noInherit = role.attributes().contains("NOINHERIT");
          String quoted = dev.lifeboat.pg.PgCatalog.quote(name);
          try (Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + quoted + " NOLOGIN" + (noInherit ? " NOINHERIT" : ""));
            st.execute(
                "COMMENT ON ROLE "
                    + quoted
                    + " IS '"
                    + new DatabaseMark(DRILL_ROLE, run, name).text().replace("'", "''")
                    + "'");
          }
          created.add(
              new Created(
                  name,
                  role.attributes().stream()
                      .filter(a -> !a.equals("NOLOGIN") && !a.equals("NOINHERIT"))
                      .toList()));
        }
        List<String> names = created.stream().map(Created::name).toList();
        List<String> skipped = new ArrayList<>();
        grantMemberships(c, sql, names, skipped);
        c.commit();
        skipped.forEach(
            s ->
                org.slf4j.LoggerFactory.getLogger(Roles.class)
                    .warn("membership not granted: {}", s));
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
      return created;
    }
  }

  /** A role a drill created, and the attributes it had in the backup that the drill left out. */
  public record Created(String name, List<String> leftOut) {
    public String describe() {
      return leftOut.isEmpty() ? name : name + " (without " + String.join(", ", leftOut) + ")";
    }
  }

  /**
   * Drops every role that carries a drill's mark ({@link #DRILL_ROLE}) under its own name; one that
   * is still in use (it owns a kept scratch database, or holds privileges there) is left for a
   * later drill. Roles without the mark are never touched. Returns the roles dropped.
   */
  public static List<String> dropDrillRoles(Connection c) throws SQLException {
    List<String> marked = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles"
                    + " WHERE shobj_description(oid, 'pg_authid') LIKE 'lifeboat:%'")) {
      while (rs.next()) {
        if (DatabaseMark.marks(rs.getString(2), rs.getString(1), DRILL_ROLE)) {
          marked.add(rs.getString(1));
        }
      }
    }
    List<String> dropped = new ArrayList<>();
    for (String role : marked) {
      try (Statement st = c.createStatement()) {
        st.execute("DROP ROLE " + dev.lifeboat.pg.PgCatalog.quote(role));
        dropped.add(role);
      } catch (SQLException e) {
        // still owns or holds something (a kept database): a later drill drops it
        org.slf4j.LoggerFactory.getLogger(Roles.class)
            .debug("drill role {} left: {}", role, PgErrors.firstLine(e.getMessage()));
      }
    }
    return dropped;
  }

  /** Whether {@code role} carries a drill's mark under its own name. */
  public static boolean isDrillRole(Connection c, String role) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && DatabaseMark.marks(rs.getString(1), role, DRILL_ROLE);
      }
    }
  }

  static String unquote(String ident) {
    return ident.startsWith("\"")
        ? ident.substring(1, ident.length() - 1).replace("\"\"", "\"")
        : ident.toLowerCase(java.util.Locale.ROOT);
  }
}
