package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.jdbc.DataSourceBuilder;

class ControlSchemaTests {

  @TempDir Path dir;

  @Test
  void theLatestVersionIsTheLastMigrationOfEveryVendor() throws Exception {
    for (String vendor : List.of("h2", "postgresql")) {
      Path folder = Path.of("src/main/resources/db/control", vendor);
      try (Stream<Path> files = Files.list(folder)) {
        int last =
            files
                .map(p -> p.getFileName().toString())
                .filter(n -> n.matches("V\\d+__.*\\.sql"))
                .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__"))))
                .max()
                .orElseThrow();
        assertThat(String.valueOf(last)).as(vendor).isEqualTo(ControlSchema.LATEST);
      }
    }
  }

  @Test
  void anEmptyEmbeddedDatabaseGetsEveryTableAndASecondRunChangesNothing() throws Exception {
    var ds =
        DataSourceBuilder.create()
            .url(ControlDatabaseConfiguration.h2Url(dir))
            .username("sa")
            .password("")
            .build();
    assertThat(ControlSchema.upToDate(ds)).isFalse();
    ControlSchema.migrate(ds, true, "lifeboat.home");
    assertThat(ControlSchema.upToDate(ds)).isTrue();
    try (var c = ds.getConnection();
        var st = c.createStatement()) {
      st.executeQuery("SELECT count(*) FROM BATCH_JOB_EXECUTION").close();
      st.executeQuery("SELECT count(*) FROM QRTZ_TRIGGERS").close();
      st.executeQuery("SELECT count(*) FROM LIFEBOAT_WAL_RECEIVERS").close();
      st.executeQuery("SELECT VERSION FROM LIFEBOAT_NODES").close();
    }
    ControlSchema.migrate(ds, true, "lifeboat.home");
    ((AutoCloseable) ds).close();
  }

  @Test
  void anEmbeddedDatabaseOfTheLastReleaseGainsTheWalReceiversAndKeepsItsNodes() throws Exception {
    var ds =
        DataSourceBuilder.create()
            .url(ControlDatabaseConfiguration.h2Url(dir))
            .username("sa")
            .password("")
            .build();
    upgradesFromVersionFour(ds, true);
    ((AutoCloseable) ds).close();
  }

  /**
   * A control database as the release before WAL archiving left it (schema version 4, one node
   * recorded) is brought to the latest version: its node row stays, gains an empty VERSION, and
   * LIFEBOAT_WAL_RECEIVERS holds one row per target and node. ControlDatabaseIntegrationTests runs
   * it on PostgreSQL.
   */
  static void upgradesFromVersionFour(DataSource ds, boolean embedded) throws SQLException {
    Flyway.configure(ControlSchema.class.getClassLoader())
        .dataSource(ds)
        .locations("classpath:db/control/" + (embedded ? "h2" : "postgresql"))
        .table(ControlSchema.HISTORY)
        .target("4")
        .load()
        .migrate();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO LIFEBOAT_NODES (INSTANCE_ID, NODE, SCHEDULES, STARTED_AT, SEEN_AT)"
              + " VALUES ('n1-1', 'n1', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
      assertThatThrownBy(() -> st.executeQuery("SELECT count(*) FROM LIFEBOAT_WAL_RECEIVERS"))
          .as("no WAL table before the upgrade")
          .isInstanceOf(SQLException.class);
    }
    assertThat(ControlSchema.upToDate(ds)).isFalse();

    ControlSchema.migrate(ds, embedded, "lifeboat.control.url");

    assertThat(ControlSchema.upToDate(ds)).isTrue();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT NODE, VERSION FROM LIFEBOAT_NODES")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("n1");
        assertThat(rs.getString(2)).isNull();
        assertThat(rs.next()).isFalse();
      }
      st.execute("UPDATE LIFEBOAT_NODES SET VERSION = '0.21.0' WHERE INSTANCE_ID = 'n1-1'");
      String row =
          "INSERT INTO LIFEBOAT_WAL_RECEIVERS (TARGET, INSTANCE_ID, NODE, STATE, DETAIL, SINCE,"
              + " SEEN_AT, SERVER_LSN, STREAMED_SEGMENT, STORES) VALUES ('app', '%s', '%s',"
              + " 'streaming', 'from 0/5000000 on timeline 1', CURRENT_TIMESTAMP,"
              + " CURRENT_TIMESTAMP, '0/5000028', '000000010000000000000005',"
              + " '[{\"store\":\"local\",\"segment\":\"000000010000000000000004\"}]')";
      st.execute(String.format(row, "n1-1", "n1"));
      st.execute(String.format(row, "n2-1", "n2"));
      assertThatThrownBy(() -> st.execute(String.format(row, "n1-1", "n1")))
          .as("one row per target and node")
          .isInstanceOf(SQLException.class);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT count(*), min(STATE) FROM LIFEBOAT_WAL_RECEIVERS WHERE TARGET = 'app'")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(2);
        assertThat(rs.getString(2)).isEqualTo("streaming");
      }
    }
  }

  @Test
  void aControlDatabaseFromBeforeTheHistoryKeepsItsJobsAndGainsTheNewTables() throws Exception {
    var ds =
        DataSourceBuilder.create()
            .url(ControlDatabaseConfiguration.h2Url(dir))
            .username("sa")
            .password("")
            .build();
    // what lifeboat 0.1 left: Spring Batch's own schema script, one job run recorded
    try (var c = ds.getConnection();
        var st = c.createStatement()) {
      for (String sql :
          new String(
                  ControlSchemaTests.class
                      .getResourceAsStream("/org/springframework/batch/core/schema-h2.sql")
                      .readAllBytes())
              .replaceAll("(?m)^--.*$", "")
              .split(";")) {
        if (!sql.isBlank()) {
          st.execute(sql);
        }
      }
      st.execute(
          "INSERT INTO BATCH_JOB_INSTANCE (JOB_INSTANCE_ID, VERSION, JOB_NAME, JOB_KEY)"
              + " VALUES (1, 0, 'backup', 'k')");
    }
    ControlSchema.migrate(ds, true, "lifeboat.home");
    try (var c = ds.getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM BATCH_JOB_INSTANCE")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
      st.executeQuery("SELECT count(*) FROM QRTZ_TRIGGERS").close();
    }
    assertThat(ControlSchema.upToDate(ds)).isTrue();
    ((AutoCloseable) ds).close();
  }
}
