package dev.lifeboat.wal;

import dev.lifeboat.base.Jdbc;
import dev.lifeboat.base.Json;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * Every node's WAL receivers in the control database ({@code LIFEBOAT_WAL_RECEIVERS}, plan 2.8): a
 * row per target and node, written on each state change and every few seconds, so {@code wal
 * status} on any node says which node streams a target and how far each store got. {@code SEEN_AT}
 * is the control database's clock, as in {@code LIFEBOAT_NODES}, so nodes whose clocks differ agree
 * on whose row is fresh.
 */
@org.springframework.stereotype.Component
final class WalStatusTable {

  private static final int DETAIL_MAX = 1000;
  private static final int STORES_MAX = 4000;

  /** One store as the receiver sees it: the newest segment it holds in order, what waits for it. */
  record StoreStatus(String store, String segment, long backlog, String problem) {}

  /** One receiver's row. */
  record Row(
      String target,
      String instance,
      String node,
      ReceiverState state,
      String detail,
      Instant since,
      String serverLsn,
      String streamedSegment,
      List<StoreStatus> stores) {

    Row {
      stores = stores == null ? List.of() : List.copyOf(stores);
    }
  }

  private final DataSource control;

  WalStatusTable(DataSource control) {
    this.control = control;
  }

  /** Writes or refreshes {@code row}. */
  void write(Row row) throws SQLException {
    String stores = Json.write(row.stores());
    if (stores.length() > STORES_MAX) {
      // dozens of stores: the per-store detail is for people; the state and detail still fit
      stores = "[]";
    }
    String detail = cut(row.detail());
    Timestamp since = Timestamp.from(row.since());
    // the key last in both statements, so they bind the same values
    Object[] values = {
      row.node(),
      row.state().word(),
      detail,
      since,
      row.serverLsn(),
      row.streamedSegment(),
      stores,
      row.target(),
      row.instance()
    };
    try (Connection c = control.getConnection()) {
      Jdbc.updateElseInsert(
          c,
          new Jdbc.Bound(
              "UPDATE LIFEBOAT_WAL_RECEIVERS SET NODE = ?, STATE = ?, DETAIL = ?, SINCE = ?,"
                  + " SEEN_AT = CURRENT_TIMESTAMP, SERVER_LSN = ?, STREAMED_SEGMENT = ?,"
                  + " STORES = ? WHERE TARGET = ? AND INSTANCE_ID = ?",
              values),
          new Jdbc.Bound(
              "INSERT INTO LIFEBOAT_WAL_RECEIVERS (NODE, STATE, DETAIL, SINCE, SEEN_AT,"
                  + " SERVER_LSN, STREAMED_SEGMENT, STORES, TARGET, INSTANCE_ID)"
                  + " VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, ?, ?, ?, ?, ?)",
              values));
    }
  }

  /**
   * The rows refreshed within {@code within} by the control database's clock, by target and node;
   * rows older than a day are removed.
   */
  List<Row> live(Duration within) throws SQLException {
    List<Row> rows = new ArrayList<>();
    try (Connection c = control.getConnection();
        Statement st = c.createStatement()) {
      Timestamp now = Jdbc.now(c);
      Jdbc.update(
          c,
          "DELETE FROM LIFEBOAT_WAL_RECEIVERS WHERE SEEN_AT < ?",
          new Timestamp(now.getTime() - Duration.ofDays(1).toMillis()));
      try (ResultSet rs =
          st.executeQuery(
              "SELECT TARGET, INSTANCE_ID, NODE, STATE, DETAIL, SINCE, SERVER_LSN,"
                  + " STREAMED_SEGMENT, STORES, SEEN_AT FROM LIFEBOAT_WAL_RECEIVERS"
                  + " ORDER BY TARGET, NODE, INSTANCE_ID")) {
        while (rs.next()) {
          if (now.getTime() - rs.getTimestamp(10).getTime() > within.toMillis()) {
            continue;
          }
          String stores = rs.getString(9);
          rows.add(
              new Row(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  ReceiverState.of(rs.getString(4)),
                  rs.getString(5),
                  rs.getTimestamp(6).toInstant(),
                  rs.getString(7),
                  rs.getString(8),
                  stores == null
                      ? List.of()
                      : Arrays.asList(Json.read(stores, StoreStatus[].class))));
        }
      }
    }
    return rows;
  }

  private static String cut(String detail) {
    if (detail == null || detail.length() <= DETAIL_MAX) {
      return detail;
    }
    return detail.substring(0, DETAIL_MAX - 1) + "…";
  }
}
