package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PgBinariesIntegrationTests {

  private final PgBinaries bins = new PgBinaries(List.of());

  @Test
  void findsTheInstalledClientAndServerProgramsWithTheirVersions() {
    for (String tool : List.of("pg_dump", "pg_restore", "psql", "initdb", "pg_ctl")) {
      List<PgTool> found = bins.candidates(tool);
      assertThat(found).as(tool).isNotEmpty();
      assertThat(found).allSatisfy(t -> assertThat(t.major()).isGreaterThanOrEqualTo(9));
      assertThat(found).extracting(t -> t.path().getFileName().toString()).containsOnly(tool);
    }
    PgTool pgDump = bins.require("pg_dump", 0);
    assertThat(pgDump.version()).matches("\\d+(\\.\\d+)*.*");
  }
}
