package dev.lifeboat.migrate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A PostgreSQL migration read the way the server reads it: comments, quoted strings, quoted
 * identifiers and dollar-quoted bodies are skipped, so a statement is found only where it would
 * run. Finds the statements that act on the whole server rather than on the database they run in
 * (roles, databases, tablespaces, server settings), and names the database a statement acts on, so
 * a rehearsal can point it at its scratch copy.
 */
final class SqlScript {

  /** How far a cluster-wide statement reaches when it runs in a transaction that rolls back. */
  enum Reach {
    /** Transactional: a rolled-back transaction leaves nothing of it on the server. */
    ROLLED_BACK,
    /** Runs only outside a transaction block, or acts on another server: nothing undoes it. */
    UNDOABLE
  }

  /** A statement that acts on the server beyond its database: where, what, how far. */
  record ClusterWide(int line, String statement, Reach reach) {}

  private SqlScript() {}

  /** The cluster-wide statements of {@code sql}, in order; a DO block counts by its body. */
  static List<ClusterWide> clusterWide(String sql) {
    List<ClusterWide> found = new ArrayList<>();
    for (Stmt s : statements(sql)) {
      Reach reach = reach(s.tokens(), false);
      if (reach != null) {
        found.add(new ClusterWide(s.line(), shorten(sql.substring(s.start(), s.end())), reach));
      }
    }
    return found;
  }

  /**
   * {@code sql} with every reference to database {@code database} in statements that name a
   * database (ALTER DATABASE, GRANT/REVOKE … ON DATABASE, COMMENT/SECURITY LABEL ON DATABASE, ALTER
   * ROLE … IN DATABASE), also inside DO blocks, replaced by {@code replacement}; line numbers stay.
   */
  static String renameDatabase(String sql, String database, String replacement) {
    List<int[]> edits = new ArrayList<>();
    databaseNames(sql, 0, database, edits);
    if (edits.isEmpty()) {
      return sql;
    }
    edits.sort(Comparator.comparingInt(e -> e[0]));
    StringBuilder out = new StringBuilder();
    int at = 0;
    String quoted = "\"" + replacement.replace("\"", "\"\"") + "\"";
    for (int[] e : edits) {
      out.append(sql, at, e[0]).append(quoted);
      at = e[1];
    }
    return out.append(sql.substring(at)).toString();
  }

  private static void databaseNames(String sql, int offset, String database, List<int[]> edits) {
    for (Stmt s : statements(sql)) {
      List<Tok> t = s.tokens();
      if (!t.isEmpty() && t.get(0).is("DO")) {
        for (Tok body : t) {
          if (body.kind == Kind.DOLLAR) {
            bodyDatabaseNames(body.text, offset + body.contentStart, database, edits);
          }
        }
      } else {
        namesAfterDatabase(t, offset, database, edits);
      }
    }
  }

  private static void bodyDatabaseNames(
      String body, int offset, String database, List<int[]> edits) {
    List<Tok> all = tokens(body);
    for (int i = 0; i < all.size(); i++) {
      if (statementStart(all, i)) {
        int end = i;
        while (end < all.size() && all.get(end).kind != Kind.SEMI) {
          end++;
        }
        namesAfterDatabase(all.subList(i, end), offset, database, edits);
      }
    }
  }

  /** In a cluster-wide statement, the names listed after DATABASE that are {@code database}. */
  private static void namesAfterDatabase(
      List<Tok> t, int offset, String database, List<int[]> edits) {
    if (t.isEmpty() || statementReach(t) == null) {
      return;
    }
    for (int i = 0; i + 1 < t.size(); i++) {
      if (!t.get(i).is("DATABASE")) {
        continue;
      }
      for (int j = i + 1; j < t.size(); j += 2) {
        Tok name = t.get(j);
        if (name.names(database)) {
          edits.add(new int[] {offset + name.start, offset + name.end});
        }
        if (j + 1 >= t.size() || t.get(j + 1).kind != Kind.COMMA) {
          break;
        }
      }
    }
  }

  private static boolean statementStart(List<Tok> all, int i) {
    return all.get(i).kind == Kind.WORD
        && (i == 0
            || all.get(i - 1).kind == Kind.SEMI
            || all.get(i - 1).kind == Kind.WORD && BODY_STARTS.contains(all.get(i - 1).upper));
  }

  /** How far the statement reaches beyond its database; null when it stays inside it. */
  private static Reach reach(List<Tok> t, boolean inBody) {
    if (t.isEmpty()) {
      return null;
    }
    Reach r = statementReach(t);
    if (r != null) {
      // inside a DO block nothing runs outside the block's transaction: PostgreSQL refuses it
      return inBody ? Reach.ROLLED_BACK : r;
    }
    if (t.get(0).is("DO")) {
      for (Tok body : t) {
        if ((body.kind == Kind.DOLLAR || body.kind == Kind.STRING) && bodyReaches(body.text)) {
          return Reach.ROLLED_BACK;
        }
      }
    }
    return null;
  }

  private static final Set<String> BODY_STARTS =
      Set.of("BEGIN", "THEN", "ELSE", "LOOP", "EXECUTE", "IMMEDIATE");

  /**
   * A procedural body reaches the server when one of its statements does, or a string it holds (the
   * text of an EXECUTE) starts as one: {@code EXECUTE format('CREATE ROLE %I', r)}.
   */
  private static boolean bodyReaches(String body) {
    List<Tok> all = tokens(body);
    for (int i = 0; i < all.size(); i++) {
      Tok tok = all.get(i);
      if (statementStart(all, i)) {
        int end = i;
        while (end < all.size() && all.get(end).kind != Kind.SEMI) {
          end++;
        }
        if (reach(all.subList(i, end), true) != null) {
          return true;
        }
      }
      if ((tok.kind == Kind.STRING || tok.kind == Kind.DOLLAR)
          && reach(firstStatement(tok.text), true) != null) {
        return true;
      }
    }
    return false;
  }

  private static List<Tok> firstStatement(String text) {
    List<Stmt> s = statements(text);
    return s.isEmpty() ? List.of() : s.get(0).tokens();
  }

  /** The cluster-wide statement forms of PostgreSQL 15, by their leading words. */
  private static Reach statementReach(List<Tok> t) {
    String w0 = t.get(0).upper;
    String w1 = word(t, 1);
    String w2 = word(t, 2);
    switch (w0) {
      case "CREATE", "ALTER", "DROP" -> {
        if (w1.equals("ROLE")
            || (w1.equals("USER") || w1.equals("GROUP")) && !w2.equals("MAPPING")) {
          return Reach.ROLLED_BACK;
        }
        // DROP OWNED also revokes what the role was granted on databases and tablespaces
        if (w0.equals("DROP") && w1.equals("OWNED")) {
          return Reach.ROLLED_BACK;
        }
        if (w0.equals("ALTER") && w1.equals("SYSTEM")) {
          return Reach.UNDOABLE;
        }
        if (w1.equals("DATABASE")) {
          if (!w0.equals("ALTER")) {
            return Reach.UNDOABLE;
          }
          // ALTER DATABASE name SET TABLESPACE moves files and cannot run in a transaction
          return word(t, 3).equals("SET") && word(t, 4).equals("TABLESPACE")
              ? Reach.UNDOABLE
              : Reach.ROLLED_BACK;
        }
        if (w1.equals("TABLESPACE")) {
          return w0.equals("ALTER") ? Reach.ROLLED_BACK : Reach.UNDOABLE;
        }
        // a subscription connects to its publisher and creates or drops a slot there
        if (w1.equals("SUBSCRIPTION")) {
          return Reach.UNDOABLE;
        }
        return null;
      }
      case "GRANT", "REVOKE" -> {
        int on = indexOf(t, "ON");
        if (on < 0) {
          return Reach.ROLLED_BACK; // GRANT role TO role, REVOKE role FROM role: memberships
        }
        String object = word(t, on + 1);
        return Set.of("DATABASE", "TABLESPACE", "PARAMETER").contains(object)
            ? Reach.ROLLED_BACK
            : null;
      }
      case "COMMENT" -> {
        return w1.equals("ON") && Set.of("DATABASE", "ROLE", "TABLESPACE").contains(w2)
            ? Reach.ROLLED_BACK
            : null;
      }
      case "SECURITY" -> {
        int on = indexOf(t, "ON");
        return w1.equals("LABEL")
                && on > 0
                && Set.of("DATABASE", "ROLE", "TABLESPACE").contains(word(t, on + 1))
            ? Reach.ROLLED_BACK
            : null;
      }
      case "REASSIGN" -> {
        // also hands over the databases and tablespaces the role owns
        return w1.equals("OWNED") ? Reach.ROLLED_BACK : null;
      }
      default -> {
        return null;
      }
    }
  }

  /** The index of word {@code w} at parenthesis depth 0, or -1. */
  private static int indexOf(List<Tok> t, String w) {
    int depth = 0;
    for (int i = 0; i < t.size(); i++) {
      Tok tok = t.get(i);
      if (tok.kind == Kind.OPEN) {
        depth++;
      } else if (tok.kind == Kind.CLOSE) {
        depth--;
      } else if (depth == 0 && tok.is(w)) {
        return i;
      }
    }
    return -1;
  }

  private static String word(List<Tok> t, int i) {
    return i < t.size() && t.get(i).kind == Kind.WORD ? t.get(i).upper : "";
  }

  static String shorten(String statement) {
    String one = statement.strip().replaceAll("\\s+", " ");
    return one.length() > 100 ? one.substring(0, 97) + "..." : one;
  }

  // ---- lexing ----

  enum Kind {
    WORD,
    QUOTED,
    STRING,
    DOLLAR,
    SEMI,
    COMMA,
    OPEN,
    CLOSE,
    OTHER
  }

  /** A token; for STRING, QUOTED and DOLLAR {@code text} is the content, unescaped. */
  static final class Tok {
    final Kind kind;
    final String text;
    final String upper;
    final int start;
    final int end;
    final int line;
    final int contentStart;

    Tok(Kind kind, String text, int start, int end, int line, int contentStart) {
      this.kind = kind;
      this.text = text;
      this.upper = kind == Kind.WORD ? text.toUpperCase(Locale.ROOT) : "";
      this.start = start;
      this.end = end;
      this.line = line;
      this.contentStart = contentStart;
    }

    boolean is(String word) {
      return kind == Kind.WORD && upper.equals(word);
    }

    /** Whether this identifier names {@code name} as PostgreSQL folds it. */
    boolean names(String name) {
      return kind == Kind.WORD && text.toLowerCase(Locale.ROOT).equals(name)
          || kind == Kind.QUOTED && text.equals(name);
    }

    @Override
    public String toString() {
      return kind + ":" + text;
    }
  }

  /** One statement: its first line, its span in the text and its tokens (without the ';'). */
  record Stmt(int line, int start, int end, List<Tok> tokens) {}

  /** Splits {@code sql} at the semicolons that end statements. */
  static List<Stmt> statements(String sql) {
    List<Stmt> out = new ArrayList<>();
    List<Tok> current = new ArrayList<>();
    int atomic = 0;
    for (Tok t : tokens(sql)) {
      if (t.kind == Kind.SEMI && atomic == 0) {
        add(out, current);
        current = new ArrayList<>();
        continue;
      }
      // CREATE FUNCTION … BEGIN ATOMIC … END: semicolons inside belong to the body
      if (t.is("ATOMIC") && !current.isEmpty() && current.get(current.size() - 1).is("BEGIN")) {
        atomic++;
      } else if (atomic > 0 && t.is("CASE")) {
        atomic++;
      } else if (atomic > 0 && t.is("END")) {
        atomic--;
      }
      current.add(t);
    }
    add(out, current);
    return out;
  }

  private static void add(List<Stmt> out, List<Tok> tokens) {
    if (!tokens.isEmpty()) {
      Tok first = tokens.get(0);
      out.add(
          new Stmt(
              first.line, first.start, tokens.get(tokens.size() - 1).end, List.copyOf(tokens)));
    }
  }

  /** The tokens of {@code sql}, comments left out. */
  static List<Tok> tokens(String sql) {
    List<Tok> out = new ArrayList<>();
    int n = sql.length();
    int i = 0;
    int line = 1;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\n') {
        line++;
        i++;
      } else if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        while (i < n && sql.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int depth = 1;
        i += 2;
        while (i < n && depth > 0) {
          if (sql.startsWith("/*", i)) {
            depth++;
            i += 2;
          } else if (sql.startsWith("*/", i)) {
            depth--;
            i += 2;
          } else {
            if (sql.charAt(i) == '\n') {
              line++;
            }
            i++;
          }
        }
      } else if (c == '\'') {
        boolean backslashes =
            !out.isEmpty() && out.get(out.size() - 1).is("E") && out.get(out.size() - 1).end == i;
        if (backslashes) {
          out.remove(out.size() - 1); // the E prefix lexed as a word
        }
        int start = backslashes ? i - 1 : i;
        StringBuilder text = new StringBuilder();
        Quoted q = quoted(sql, i, backslashes, text);
        out.add(new Tok(Kind.STRING, text.toString(), start, q.end(), line, start + 1));
        i = q.end();
        line += q.newlines();
      } else if (c == '"') {
        StringBuilder text = new StringBuilder();
        Quoted q = quoted(sql, i, false, text);
        out.add(new Tok(Kind.QUOTED, text.toString(), i, q.end(), line, i + 1));
        i = q.end();
        line += q.newlines();
      } else if (c == '$' && dollarTag(sql, i) != null) {
        String tag = dollarTag(sql, i);
        int start = i;
        int startLine = line;
        int bodyStart = i + tag.length();
        int close = sql.indexOf(tag, bodyStart);
        int bodyEnd = close < 0 ? n : close;
        for (int k = bodyStart; k < bodyEnd; k++) {
          if (sql.charAt(k) == '\n') {
            line++;
          }
        }
        i = close < 0 ? n : close + tag.length();
        out.add(
            new Tok(
                Kind.DOLLAR, sql.substring(bodyStart, bodyEnd), start, i, startLine, bodyStart));
      } else if (identifierStart(c)) {
        int start = i;
        while (i < n && identifierPart(sql.charAt(i))) {
          i++;
        }
        out.add(new Tok(Kind.WORD, sql.substring(start, i), start, i, line, start));
      } else {
        Kind kind =
            switch (c) {
              case ';' -> Kind.SEMI;
              case ',' -> Kind.COMMA;
              case '(' -> Kind.OPEN;
              case ')' -> Kind.CLOSE;
              default -> Kind.OTHER;
            };
        out.add(new Tok(kind, String.valueOf(c), i, i + 1, line, i));
        i++;
      }
    }
    return out;
  }

  /** The dollar-quote opening at {@code i} ({@code $$} or {@code $tag$}), or null. */
  /** Where a quoted run ended (after its closing quote) and how many lines it spans. */
  private record Quoted(int end, int newlines) {}

  /**
   * Reads the string or identifier whose opening quote is at {@code i} into {@code text}: a doubled
   * quote is one, and with {@code backslashes} (an E'' string) a backslash escapes the next char.
   */
  private static Quoted quoted(String sql, int i, boolean backslashes, StringBuilder text) {
    char quote = sql.charAt(i);
    int n = sql.length();
    int newlines = 0;
    i++;
    while (i < n) {
      char d = sql.charAt(i);
      if (backslashes && d == '\\' && i + 1 < n) {
        text.append(sql.charAt(i + 1));
        i += 2;
        continue;
      }
      if (d == quote) {
        if (i + 1 < n && sql.charAt(i + 1) == quote) {
          text.append(quote);
          i += 2;
          continue;
        }
        i++;
        break;
      }
      if (d == '\n') {
        newlines++;
      }
      text.append(d);
      i++;
    }
    return new Quoted(i, newlines);
  }

  private static String dollarTag(String sql, int i) {
    if (i > 0 && identifierPart(sql.charAt(i - 1))) {
      return null; // part of an identifier such as a$b
    }
    int j = i + 1;
    if (j < sql.length() && sql.charAt(j) == '$') {
      return "$$";
    }
    if (j >= sql.length() || !identifierStart(sql.charAt(j))) {
      return null; // $1 is a parameter
    }
    while (j < sql.length() && identifierPart(sql.charAt(j)) && sql.charAt(j) != '$') {
      j++;
    }
    return j < sql.length() && sql.charAt(j) == '$' ? sql.substring(i, j + 1) : null;
  }

  private static boolean identifierStart(char c) {
    return Character.isLetter(c) || c == '_' || c > 127;
  }

  private static boolean identifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 127;
  }
}
