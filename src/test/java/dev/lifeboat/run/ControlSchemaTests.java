package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
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
    }
    ControlSchema.migrate(ds, true, "lifeboat.home");
    ((AutoCloseable) ds).close();
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
