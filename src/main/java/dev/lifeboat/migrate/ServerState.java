package dev.lifeboat.migrate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a server holds outside its databases, as lines: roles and their attributes, memberships,
 * per-role and per-database settings, databases' owners, privileges and options, tablespaces and
 * comments on them. Taken before and after a rehearsal, the difference is whatever the rehearsal
 * did beyond its scratch database, whatever the statement scan missed (a function called, SQL built
 * at run time).
 */
final class ServerState {

  private static final String SQL =
      """
      SELECT 'role ' || quote_ident(rolname) || ': super=' || rolsuper || ' inherit=' || rolinherit
             || ' createrole=' || rolcreaterole || ' createdb=' || rolcreatedb
             || ' login=' || rolcanlogin || ' replication=' || rolreplication
             || ' bypassrls=' || rolbypassrls || ' connlimit=' || rolconnlimit
             || ' validuntil=' || coalesce(rolvaliduntil::text, '-')
      FROM pg_roles
      UNION ALL
      SELECT 'membership ' || quote_ident(r.rolname) || ' in ' || quote_ident(g.rolname)
             || ' admin=' || m.admin_option
      FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
      UNION ALL
      SELECT 'setting of ' || coalesce('role ' || quote_ident(r.rolname), 'every role')
             || ' in ' || coalesce('database ' || quote_ident(d.datname), 'every database')
             || ': ' || array_to_string(s.setconfig, ', ')
      FROM pg_db_role_setting s
      LEFT JOIN pg_roles r ON r.oid = s.setrole
      LEFT JOIN pg_database d ON d.oid = s.setdatabase
      WHERE d.datname IS NULL OR NOT d.datname = ANY (?)
      UNION ALL
      SELECT 'database ' || quote_ident(d.datname) || ': owner=' || pg_get_userbyid(d.datdba)
             || ' acl=' || coalesce(d.datacl::text, '-') || ' connlimit=' || d.datconnlimit
             || ' allowconn=' || d.datallowconn || ' template=' || d.datistemplate
             || ' tablespace=' || t.spcname
      FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
      WHERE NOT d.datname = ANY (?)
      UNION ALL
      SELECT 'tablespace ' || quote_ident(spcname) || ': owner=' || pg_get_userbyid(spcowner)
             || ' acl=' || coalesce(spcacl::text, '-')
             || ' options=' || coalesce(array_to_string(spcoptions, ','), '-')
      FROM pg_tablespace
      UNION ALL
      SELECT 'comment on ' || coalesce('database ' || quote_ident(d.datname),
                                       'role ' || quote_ident(r.rolname),
                                       'tablespace ' || quote_ident(t.spcname),
                                       c.classoid::regclass || ' ' || c.objoid)
             || ': ' || c.description
      FROM pg_shdescription c
      LEFT JOIN pg_database d ON c.classoid = 'pg_database'::regclass AND d.oid = c.objoid
      LEFT JOIN pg_roles r ON c.classoid = 'pg_authid'::regclass AND r.oid = c.objoid
      LEFT JOIN pg_tablespace t ON c.classoid = 'pg_tablespace'::regclass AND t.oid = c.objoid
      WHERE d.datname IS NULL OR NOT d.datname = ANY (?)
      """;

  private final Set<String> lines;
  private final Set<String> databases;

  private ServerState(Set<String> lines, Set<String> databases) {
    this.lines = lines;
    this.databases = databases;
  }

  /**
   * Reads the state through {@code c}, leaving out the databases in {@code ignore} (the scratch
   * copy, and those of other drills and rehearsals, which come and go on their own).
   */
  static ServerState read(Connection c, Set<String> ignore) throws SQLException {
    Set<String> lines = new TreeSet<>();
    try (PreparedStatement ps = c.prepareStatement(SQL)) {
      java.sql.Array names = c.createArrayOf("text", ignore.toArray());
      for (int i = 1; i <= 3; i++) {
        ps.setArray(i, names);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          lines.add(rs.getString(1));
        }
      }
    }
    Set<String> databases = new TreeSet<>();
    try (java.sql.Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT quote_ident(datname) FROM pg_database")) {
      while (rs.next()) {
        databases.add(rs.getString(1));
      }
    }
    return new ServerState(lines, databases);
  }

  /** What changed from {@code before} to this, one line each: {@code + added}, {@code - gone}. */
  List<String> changesSince(ServerState before) {
    // a database that came or went meanwhile is another drill's or session's (CREATE and DROP
    // DATABASE are refused before a rehearsal runs): its lines are not ours to report
    Set<String> cameOrWent = new TreeSet<>(databases);
    cameOrWent.addAll(before.databases);
    cameOrWent.removeIf(d -> databases.contains(d) && before.databases.contains(d));
    List<String> changes = new ArrayList<>();
    for (String l : lines) {
      if (!before.lines.contains(l) && !about(l, cameOrWent)) {
        changes.add("+ " + l);
      }
    }
    for (String l : before.lines) {
      if (!lines.contains(l) && !about(l, cameOrWent)) {
        changes.add("- " + l);
      }
    }
    return changes;
  }

  private static boolean about(String line, Set<String> databases) {
    return databases.stream().anyMatch(d -> line.contains("database " + d + ":"));
  }
}
