package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.wal.WalStatusTable.Row;
import dev.lifeboat.wal.WalStatusTable.StoreStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The receivers' rows in an embedded control database made by the real migrations. */
class WalStatusTableTests {

  private static final Instant SINCE = Instant.parse("2026-12-07T10:00:00Z");

  private JdbcDataSource control;
  private WalStatusTable table;

  @BeforeEach
  void aControlDatabase() {
    control = new JdbcDataSource();
    control.setURL("jdbc:h2:mem:wal-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure()
        .dataSource(control)
        .locations("classpath:db/control/h2")
        .table("lifeboat_schema_history")
        .load()
        .migrate();
    table = new WalStatusTable(control);
  }

  @Test
  void aRowIsWrittenThenRefreshedInPlaceWithItsStoresReadBack() throws Exception {
    table.write(
        new Row("app", "n1-10", "n1", ReceiverState.STARTING, null, SINCE, null, null, List.of()));
    table.write(
        new Row(
            "app",
            "n1-10",
            "n1",
            ReceiverState.SPOOL_FULL,
            "no store accepted WAL since 10:02:11",
            SINCE.plusSeconds(60),
            "0/3000060",
            "000000010000000000000003",
            List.of(
                new StoreStatus("s3a", "000000010000000000000002", 1, null),
                new StoreStatus("offsite", null, 3, "Connection refused"))));

    List<Row> rows = table.live(Duration.ofSeconds(40));

    assertThat(rows).hasSize(1);
    Row row = rows.get(0);
    assertThat(row.state()).isEqualTo(ReceiverState.SPOOL_FULL);
    assertThat(row.state().word()).isEqualTo("spool-full");
    assertThat(row.detail()).isEqualTo("no store accepted WAL since 10:02:11");
    assertThat(row.since()).isEqualTo(SINCE.plusSeconds(60));
    assertThat(row.serverLsn()).isEqualTo("0/3000060");
    assertThat(row.stores())
        .containsExactly(
            new StoreStatus("s3a", "000000010000000000000002", 1, null),
            new StoreStatus("offsite", null, 3, "Connection refused"));
  }

  @Test
  void aNodeThatStoppedRefreshingIsNotLiveAndIsForgottenAfterADay() throws Exception {
    table.write(
        new Row("app", "n1-10", "n1", ReceiverState.STREAMING, null, SINCE, null, null, null));
    table.write(
        new Row(
            "app",
            "n2-20",
            "n2",
            ReceiverState.STANDBY,
            "streamed by n1",
            SINCE,
            null,
            null,
            null));
    table.write(
        new Row("db2", "n2-20", "n2", ReceiverState.STREAMING, null, SINCE, null, null, null));
    try (Connection c = control.getConnection();
        Statement st = c.createStatement()) {
      st.execute(
          "UPDATE LIFEBOAT_WAL_RECEIVERS SET SEEN_AT = DATEADD('SECOND', -60, CURRENT_TIMESTAMP)"
              + " WHERE INSTANCE_ID = 'n1-10'");
      st.execute(
          "UPDATE LIFEBOAT_WAL_RECEIVERS SET SEEN_AT = DATEADD('HOUR', -25, CURRENT_TIMESTAMP)"
              + " WHERE TARGET = 'db2'");
    }

    assertThat(table.live(Duration.ofSeconds(40)))
        .extracting(Row::target, Row::node, Row::state)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("app", "n2", ReceiverState.STANDBY));
    assertThat(table.live(Duration.ofDays(2)))
        .as("the day-old row is gone, the minute-old one kept")
        .extracting(Row::instance)
        .containsExactly("n1-10", "n2-20");
  }

  @Test
  void aLongDetailIsCutToTheColumn() throws Exception {
    String detail = "x".repeat(5000);
    table.write(
        new Row("app", "n1-10", "n1", ReceiverState.BACKOFF, detail, SINCE, null, null, null));

    assertThat(table.live(Duration.ofSeconds(40)).get(0).detail()).hasSize(1000).endsWith("…");
  }

  @Test
  void everyStateReadsBackFromItsWord() {
    for (ReceiverState s : ReceiverState.values()) {
      assertThat(ReceiverState.of(s.word())).isEqualTo(s);
      assertThat(s.word()).matches("[a-z]+(-[a-z]+)?");
    }
  }
}
