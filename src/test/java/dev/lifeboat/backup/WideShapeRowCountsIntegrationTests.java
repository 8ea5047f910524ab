package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmarks' second dataset shape ({@code bench/shapes/wide.sql}: wide rows with jsonb and
 * bytea, a range-partitioned table with an empty partition, 520 small tables of which 52 are empty)
 * backed up for real: the manifest's row counts equal the database's, table by table.
 */
class WideShapeRowCountsIntegrationTests {

  @TempDir Path dir;

  /** A new database holding the wide shape at {@code scale} (0.01: 300 documents, 600 readings). */
  static PgConnection wideDatabase(String hint, String scale) throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase(hint);
    String sql = Files.readString(Path.of("bench/shapes/wide.sql"));
    try (Connection c = db.open()) {
      c.setAutoCommit(true);
      try (PreparedStatement ps =
          c.prepareStatement("SELECT set_config('lifeboat.scale', ?, false)")) {
        ps.setString(1, scale);
        ps.execute();
      }
      try (Statement st = c.createStatement()) {
        st.execute(sql);
      }
    }
    return db;
  }

  /**
   * One {@code count(*)} per ordinary table (partitions are ordinary tables; their partitioned
   * parent is not), keyed as the manifest keys them.
   */
  static Map<String, Long> countStarOfEveryTable(PgConnection db) throws Exception {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      List<PgCatalog.Table> tables = new ArrayList<>();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT n.nspname, c.relname FROM pg_class c"
                  + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                  + " WHERE c.relkind = 'r' AND n.nspname IN ('public', 'small')")) {
        while (rs.next()) {
          tables.add(new PgCatalog.Table(rs.getString(1), rs.getString(2)));
        }
      }
      for (PgCatalog.Table t : tables) {
        try (ResultSet rs =
            st.executeQuery("SELECT count(*) FROM " + quote(t.schema()) + "." + quote(t.name()))) {
          rs.next();
          counts.put(t.key(), rs.getLong(1));
        }
      }
    }
    return counts;
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  @Test
  void theManifestOfTheWideShapeCountsEveryTablePartitionAndEmptyTableAsTheDatabaseDoes()
      throws Exception {
    PgConnection db = wideDatabase("wide_shape_counts", "0.01");
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = fx.write(db, "app");

    Result backup = fx.cli().run("--config", config.toString(), "backup", "--json");

    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Manifest manifest =
        Json.mapper()
            .treeToValue(Json.mapper().readTree(backup.stdout()).get("manifest"), Manifest.class);
    Map<String, Long> expected = countStarOfEveryTable(db);
    // 1 documents + 10 partitions of readings + 520 small tables; the partitioned parent is no
    // table
    assertThat(expected).hasSize(531);
    assertThat(new TreeMap<>(manifest.tables())).isEqualTo(expected);
    // counted from the dump stream (no fallback to count(*) for any table)
    assertThat(backup.all()).doesNotContain("count(*)");

    assertThat(manifest.tables())
        .containsEntry("public.documents", 300L)
        .containsEntry("public.readings_2026_q1", 0L)
        .containsEntry("small.t001", 38L)
        .containsEntry("small.t010", 0L)
        .containsEntry("small.t520", 0L)
        .doesNotContainKey("public.readings");
    assertThat(manifest.tables().get("public.readings_default")).isPositive();
    long readings =
        manifest.tables().entrySet().stream()
            .filter(e -> e.getKey().startsWith("public.readings_"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    assertThat(readings).isEqualTo(600L);
    long emptySmallTables =
        manifest.tables().entrySet().stream()
            .filter(e -> e.getKey().startsWith("small.") && e.getValue() == 0L)
            .count();
    assertThat(emptySmallTables).isEqualTo(52L);
  }
}
