package dev.lifeboat.archive;

import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Row counts of a restored database against the counts its manifest recorded: what restore checks
 * in staging before the swap and what the drill reports.
 */
public final class RowCounts {

  /** One table: the manifest's count, the one found, and whether they agree. */
  public record TableCount(String table, Long expected, Long actual, boolean ok) {}

  private RowCounts() {}

  /** The exact row count of every table of {@code db}, read with row security off. */
  public static Map<String, Long> of(PgConnection db) throws SQLException {
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("SET row_security = off");
      return PgCatalog.rowCounts(c);
    }
  }

  /** Every table of either side, with the manifest's count and the one found. */
  public static List<TableCount> compare(Map<String, Long> expected, Map<String, Long> actual) {
    List<TableCount> result = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(expected.keySet());
    names.addAll(actual.keySet());
    for (String t : names) {
      Long e = expected.get(t);
      Long a = actual.get(t);
      result.add(new TableCount(t, e, a, e != null && e.equals(a)));
    }
    return result;
  }
}
