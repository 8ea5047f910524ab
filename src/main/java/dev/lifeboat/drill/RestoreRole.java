package dev.lifeboat.drill;

import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.base.Jdbc;
import dev.lifeboat.pg.DatabaseMark;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgErrors;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who restores a drill's archive and reads it back. A drill whose connection is a superuser's
 * restores as a role of its own instead, so that SQL in the archive (a materialized view that
 * pg_restore refreshes, a CHECK constraint's function while rows load) runs without superuser:
 * {@code COPY … TO PROGRAM} fails instead of running a shell on the drill server.
 *
 * <p>That role logs in itself: {@code pg_restore --role} run by a superuser is left by one {@code
 * RESET ROLE} in a function. It has a random password (sent as a SCRAM verifier, reaching
 * pg_restore through a pgpass file), owns the scratch database and, with {@code --no-owner},
 * everything restored into it, so it can give nothing to another role; it has BYPASSRLS (pg_restore
 * checks foreign keys, and the drill counts rows, on tables whose row-level security is forced) and
 * no membership but, for the tenant-isolation probe, the configured application role. It inherits
 * (the rights of {@code pg_database_owner} on schema {@code public} come that way); its password
 * exists only in this process while the drill runs, and SQL in the archive cannot leave the scratch
 * database. It carries Lifeboat's mark ({@link Roles#DRILL_ROLE}) and is dropped after the drill.
 *
 * <p>A signed backup whose archive holds what only a superuser can restore (an untrusted extension,
 * an event trigger…), or a server whose pg_hba.conf does not let the role log in, is restored as
 * the drill's own user, as before, and the drill says why. An unsigned backup (drilled with {@code
 * --allow-unsigned}) never is: it restores as the role, or the drill fails.
 */
final class RestoreRole {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  /** The role's name: the scratch prefix, {@code role_} and a random id. */
  static final String PREFIX = LifeboatDatabases.SCRATCH_PREFIX + "role_";

  /**
   * Archive entries (pg_restore --list) that only a superuser can restore, or that need a
   * membership the role does not have (default privileges of another role).
   */
  static final Set<String> SUPERUSER_ONLY =
      Set.of(
          "EVENT TRIGGER",
          "FOREIGN DATA WRAPPER",
          "SERVER",
          "USER MAPPING",
          "SUBSCRIPTION",
          "PUBLICATION",
          "PROCEDURAL LANGUAGE",
          "ACCESS METHOD",
          "OPERATOR CLASS",
          "OPERATOR FAMILY",
          "TEXT SEARCH PARSER",
          "TEXT SEARCH TEMPLATE",
          "CAST",
          "TRANSFORM",
          "DEFAULT ACL",
          "SECURITY LABEL");

  private static final Pattern ENTRY = Pattern.compile("^\\d+; \\d+ \\d+ (.+)$");
  private static final Pattern EXTENSION = Pattern.compile("^EXTENSION - (\\S+)");

  /**
   * Who restores and validates: {@code server} is the drill server as that role (or as the drill's
   * own user when {@code role} is null); {@code detail} says who and why, for the drill's report.
   */
  record Restorer(PgConnection server, String role, String detail) {
    PgConnection into(String database) {
      return server.withDatabase(database);
    }

    /** Whether the drill's own user restores (objects keep their owners, as before). */
    boolean asDrillUser() {
      return role == null;
    }
  }

  private RestoreRole() {}

  /**
   * Decides who restores, and creates the scratch database {@code scratch} (marked, owned by the
   * role when there is one). {@code toc} lists the archive (pg_restore --list), read only when
   * needed. Throws {@link DrillException} when an unsigned backup cannot be restored as the role.
   */
  static Restorer prepare(
      PgDatabases server,
      PgConnection drillServer,
      String scratch,
      String run,
      boolean signed,
      Supplier<String> toc)
      throws SQLException {
    Connection c = server.connection();
    String user = drillServer.user();
    if (!superuser(c)) {
      server.createMarked(scratch, LifeboatDatabases.SCRATCH, run);
      return new Restorer(
          drillServer, null, "restored as '" + user + "', which is not a superuser");
    }
    if (signed) {
      Optional<String> why = superuserOnly(toc.get(), trustedExtensions(c));
      if (why.isPresent()) {
        server.createMarked(scratch, LifeboatDatabases.SCRATCH, run);
        return new Restorer(
            drillServer,
            null,
            "restored as '"
                + user
                + "', a superuser: the signed archive holds "
                + why.get()
                + ", which only a superuser can restore");
      }
    }
    String role = PREFIX + LifeboatDatabases.newRun();
    String password = password();
    create(c, role, password, run);
    server.createMarked(scratch, LifeboatDatabases.SCRATCH, run);
    try (Statement st = c.createStatement()) {
      st.execute(
          "ALTER DATABASE " + PgCatalog.quote(scratch) + " OWNER TO " + PgCatalog.quote(role));
    }
    PgConnection asRole =
        new PgConnection(
            drillServer.host(), drillServer.port(), scratch, role, password, drillServer.params());
    try (Connection probe = asRole.open()) {
      // pg_hba.conf lets the role in
    } catch (SQLException e) {
      String why = PgErrors.firstLine(e.getMessage());
      try (Statement st = c.createStatement()) {
        st.execute("ALTER DATABASE " + PgCatalog.quote(scratch) + " OWNER TO CURRENT_USER");
        st.execute("DROP ROLE " + PgCatalog.quote(role));
      }
      if (!signed) {
        throw new DrillException(
            "an unsigned backup is restored only as a role without SUPERUSER, and the drill"
                + " server refused a login as role "
                + role
                + " ("
                + why
                + "); let Lifeboat's drill roles ("
                + PREFIX
                + "*) log in from this host with a password in pg_hba.conf, or drill a signed"
                + " backup");
      }
      return new Restorer(
          drillServer,
          null,
          "restored as '"
              + user
              + "', a superuser: the drill server refused a login as role "
              + role
              + " ("
              + why
              + "); let "
              + PREFIX
              + "* log in with a password in pg_hba.conf to restore without superuser");
    }
    return new Restorer(
        asRole,
        role,
        "restored and read as role "
            + role
            + " (no SUPERUSER: SQL in the archive cannot run programs or read files on the"
            + " server), dropped after the drill");
  }

  private static void create(Connection c, String role, String password, String run)
      throws SQLException {
    Jdbc.inTransaction(
        c,
        () -> {
          try (Statement st = c.createStatement()) {
            String quoted = PgCatalog.quote(role);
            st.execute(
                "CREATE ROLE "
                    + quoted
                    + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS INHERIT");
            st.execute(
                "COMMENT ON ROLE "
                    + quoted
                    + " IS '"
                    + new DatabaseMark(Roles.DRILL_ROLE, run, role).text()
                    + "'");
            // the server is sent a SCRAM verifier, never the password itself (statement logs)
            c.unwrap(PGConnection.class)
                .alterUserPassword(role, password.toCharArray(), "scram-sha-256");
          }
        });
  }

  /** Lets the role {@code SET ROLE} to {@code member} (the tenant-isolation role), if it exists. */
  static void grant(Connection c, Restorer restorer, String member) {
    if (restorer.asDrillUser() || member == null || member.isBlank()) {
      return;
    }
    try (Statement st = c.createStatement()) {
      st.execute("GRANT " + PgCatalog.quote(member) + " TO " + PgCatalog.quote(restorer.role()));
    } catch (SQLException e) {
      // a missing role: the tenant-isolation check names it itself
      log.debug("could not grant {} to the restore role: {}", member, e.getMessage());
    }
  }

  /** A kept scratch database stays owned by the role: it no longer logs in, and stays marked. */
  static void keep(Connection c, Restorer restorer) throws SQLException {
    if (restorer == null || restorer.asDrillUser()) {
      return;
    }
    try (Statement st = c.createStatement()) {
      st.execute("ALTER ROLE " + PgCatalog.quote(restorer.role()) + " NOLOGIN PASSWORD NULL");
    }
  }

  static boolean superuser(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /** Extensions a database owner may create on this server (PostgreSQL 13 and later). */
  static Set<String> trustedExtensions(Connection c) {
    Set<String> names = new TreeSet<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    } catch (SQLException e) {
      // before PostgreSQL 13 no extension is trusted
      log.debug("no trusted extensions read: {}", e.getMessage());
    }
    return names;
  }

  /**
   * What in the archive's list ({@code pg_restore --list}) only a superuser can restore, if
   * anything: entries of {@link #SUPERUSER_ONLY} kinds and extensions not in {@code trusted}.
   */
  static Optional<String> superuserOnly(String toc, Set<String> trusted) {
    List<String> found = new ArrayList<>();
    for (String line : toc.split("\\R")) {
      Matcher m = ENTRY.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      String rest = m.group(1);
      Matcher ext = EXTENSION.matcher(rest);
      if (ext.find()) {
        if (!trusted.contains(ext.group(1))) {
          found.add("extension " + ext.group(1));
        }
        continue;
      }
      for (String kind : SUPERUSER_ONLY) {
        if (rest.startsWith(kind + " ")) {
          found.add(kind.toLowerCase(java.util.Locale.ROOT));
          break;
        }
      }
    }
    return found.isEmpty()
        ? Optional.empty()
        : Optional.of(String.join(", ", new TreeSet<>(found)));
  }

  private static String password() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
