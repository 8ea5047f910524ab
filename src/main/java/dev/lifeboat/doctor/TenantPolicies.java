package dev.lifeboat.doctor;

import dev.lifeboat.pg.PgCatalog.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the policies of tenant tables say, read from {@code pg_policy}: whether each one that lets
 * the application role in confines it by the tenant setting (directly or through the functions it
 * calls), and whether the setting is cast without {@code nullif}. Row-level security enabled and
 * forced isolates nothing when a permissive policy reads {@code USING (true)}.
 */
final class TenantPolicies {

  /**
   * One policy of a tenant table: its expressions as PostgreSQL prints them, whether it lets rows
   * in (permissive; a restrictive one only narrows) and whether it applies to the application role.
   */
  record Policy(
      Table table,
      String name,
      boolean permissive,
      boolean appliesToRole,
      String using,
      String withCheck) {

    List<String> expressions() {
      List<String> out = new ArrayList<>();
      if (using != null) {
        out.add(using);
      }
      if (withCheck != null) {
        out.add(withCheck);
      }
      return out;
    }
  }

  /** How deep calls are followed from a policy into the functions it calls. */
  private static final int DEPTH = 3;

  private static final Pattern CALL =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_$]*)\\s*\\(", Pattern.CASE_INSENSITIVE);

  private final List<Policy> policies;
  private final Map<String, List<String>> functions;

  TenantPolicies(List<Policy> policies, Map<String, List<String>> functions) {
    this.policies = policies;
    this.functions = functions;
  }

  /**
   * The policies of {@code tables}, and the bodies of the database's own functions by name (to
   * follow the calls of a policy). {@code role} is the application role, or null when not
   * configured: then every policy counts as applying to it.
   */
  static TenantPolicies read(Connection c, List<Table> tables, String role) throws SQLException {
    Set<String> keys = new HashSet<>();
    tables.forEach(t -> keys.add(t.key()));
    boolean roleExists = false;
    if (role != null) {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
        ps.setString(1, role);
        try (ResultSet rs = ps.executeQuery()) {
          roleExists = rs.next();
        }
      }
    }
    List<Policy> policies = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT n.nspname, c.relname, p.polname, p.polpermissive,
                   pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
                   (SELECT bool_or(o = 0 OR (?::text IS NOT NULL AND pg_has_role(?::text, o, 'MEMBER')))
                      FROM unnest(p.polroles) o)
            FROM pg_policy p
            JOIN pg_class c ON c.oid = p.polrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            ORDER BY 1, 2, 3
            """)) {
      String probe = roleExists ? role : null;
      ps.setString(1, probe);
      ps.setString(2, probe);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Table table = new Table(rs.getString(1), rs.getString(2));
          if (keys.contains(table.key())) {
            policies.add(
                new Policy(
                    table,
                    rs.getString(3),
                    rs.getBoolean(4),
                    !roleExists || rs.getBoolean(7),
                    rs.getString(5),
                    rs.getString(6)));
          }
        }
      }
    }
    Map<String, List<String>> functions = new HashMap<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    + " JOIN pg_language l ON l.oid = p.prolang"
                    + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                    + " AND l.lanname NOT IN ('c', 'internal') AND p.prosrc IS NOT NULL");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        functions
            .computeIfAbsent(rs.getString(1).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(rs.getString(2));
      }
    }
    return new TenantPolicies(policies, functions);
  }

  /**
   * The permissive policies applying to the application role with an expression that never reads
   * {@code setting}, as {@code name on table (USING (...))}: each lets a tenant past the others'
   * rows.
   */
  List<String> leaking(String setting) {
    List<String> out = new ArrayList<>();
    for (Policy p : policies) {
      if (!p.permissive() || !p.appliesToRole()) {
        continue;
      }
      if (p.using() != null && !reads(p.using(), setting, DEPTH)) {
        out.add(p.name() + " on " + p.table().key() + " (USING " + p.using() + ")");
      } else if (p.withCheck() != null && !reads(p.withCheck(), setting, DEPTH)) {
        out.add(p.name() + " on " + p.table().key() + " (WITH CHECK " + p.withCheck() + ")");
      }
    }
    return out;
  }

  /** The tables whose policies (or the functions they call) cast the setting without nullif. */
  List<String> castWithoutNullif(String setting) {
    Set<String> tables = new java.util.LinkedHashSet<>();
    for (Policy p : policies) {
      for (String e : p.expressions()) {
        if (castsWithoutNullif(e, setting, DEPTH)) {
          tables.add(p.table().key());
        }
      }
    }
    return List.copyOf(tables);
  }

  private boolean reads(String text, String setting, int depth) {
    return holdsWithin(text, depth, t -> mentions(t, setting));
  }

  private boolean castsWithoutNullif(String text, String setting, int depth) {
    return holdsWithin(text, depth, t -> castWithoutNullif(t, setting));
  }

  /**
   * Whether {@code test} holds for {@code text} or a function it calls, up to {@code depth} deep.
   */
  private boolean holdsWithin(String text, int depth, java.util.function.Predicate<String> test) {
    if (test.test(text)) {
      return true;
    }
    if (depth == 0) {
      return false;
    }
    for (String body : called(text)) {
      if (holdsWithin(body, depth - 1, test)) {
        return true;
      }
    }
    return false;
  }

  /** The bodies of the database's functions that {@code text} calls by name. */
  private List<String> called(String text) {
    List<String> bodies = new ArrayList<>();
    Matcher m = CALL.matcher(text);
    while (m.find()) {
      bodies.addAll(functions.getOrDefault(m.group(1).toLowerCase(Locale.ROOT), List.of()));
    }
    return bodies;
  }

  /** Whether {@code text} names the setting as a string literal: {@code 'app.account_id'}. */
  static boolean mentions(String text, String setting) {
    return text.toLowerCase(Locale.ROOT).contains("'" + setting.toLowerCase(Locale.ROOT) + "'");
  }

  private static final Set<String> TEXT_TYPES =
      Set.of("text", "varchar", "character", "name", "pg_catalog.text");

  /**
   * Whether {@code text} casts {@code current_setting('<setting>'...)} to a type other than text
   * without {@code nullif(..., '')} around it: after {@code set_config(..., true)} in a transaction
   * the setting is {@code ''} for the rest of the session, and such a cast raises instead of
   * matching no row. Reads both the way PostgreSQL prints an expression ({@code
   * (current_setting('x'::text, true))::bigint}) and the way people write it.
   */
  static boolean castWithoutNullif(String text, String setting) {
    String lower = text.toLowerCase(Locale.ROOT);
    Pattern call =
        Pattern.compile(
            "current_setting\\s*\\(\\s*'" + Pattern.quote(setting.toLowerCase(Locale.ROOT)) + "'");
    Matcher m = call.matcher(lower);
    while (m.find()) {
      int close = closingParen(lower, m.start() + "current_setting".length());
      if (close < 0) {
        continue;
      }
      String before = lower.substring(0, m.start()).replaceAll("[\\s(]+$", "");
      if (before.endsWith("nullif")) {
        continue;
      }
      String after = lower.substring(close + 1).replaceAll("^[\\s)]+", "");
      String type = null;
      if (after.startsWith("::")) {
        type = firstWord(after.substring(2));
      } else if (before.endsWith("cast") && after.startsWith("as ")) {
        type = firstWord(after.substring(3));
      }
      if (type != null && !TEXT_TYPES.contains(type)) {
        return true;
      }
    }
    return false;
  }

  private static int closingParen(String s, int open) {
    int i = s.indexOf('(', open);
    int depth = 0;
    boolean quoted = false;
    for (; i >= 0 && i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      } else if (!quoted && c == '(') {
        depth++;
      } else if (!quoted && c == ')' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static String firstWord(String s) {
    Matcher m = Pattern.compile("^\\s*([a-z_][a-z0-9_.]*)").matcher(s);
    return m.find() ? m.group(1) : "";
  }
}
