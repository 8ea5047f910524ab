package dev.lifeboat.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContainmentTests {

  private static RehearsalReport.Planned planned(
      String version, boolean inTransaction, String sql) {
    return new RehearsalReport.Planned(
        version, "m" + version, "V" + version + "__m.sql", 1, inTransaction, sql);
  }

  @Test
  void aPlanOfTheDatabaseAloneCommitsMigrationByMigrationAsBefore() {
    Containment c =
        Containment.decide(
            List.of(
                planned("1", true, "CREATE TABLE t (id int);"),
                planned("2", false, "CREATE INDEX CONCURRENTLY i ON t (id);"),
                planned("3", true, "INSERT INTO t VALUES (1); -- CREATE ROLE x;")));
    assertThat(c).isEqualTo(Containment.NONE);
  }

  @Test
  void fromTheFirstClusterWideMigrationOnTheRehearsalIsOneRolledBackTransaction() {
    Containment c =
        Containment.decide(
            List.of(
                planned("1", false, "CREATE INDEX CONCURRENTLY i ON t (id);"),
                planned("2", true, "CREATE TABLE u (id int);"),
                planned("3", true, "CREATE TABLE v (id int);\nCREATE ROLE r;"),
                planned("4", true, "GRANT SELECT ON v TO r;\nALTER DATABASE app SET x.y = 1;")));
    assertThat(c.from()).isEqualTo("3");
    assertThat(c.statements())
        .containsExactly(
            "V3__m.sql line 2: CREATE ROLE r", "V4__m.sql line 2: ALTER DATABASE app SET x.y = 1");
  }

  @Test
  void aStatementNoTransactionCanUndoIsRefusedWithExit2NamingFileAndLine() {
    assertThatThrownBy(
            () ->
                Containment.decide(
                    List.of(planned("1", true, "SELECT 1;\nALTER SYSTEM SET work_mem = '1GB';"))))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
        .hasMessageContaining("V1__m.sql line 2: ALTER SYSTEM SET work_mem = '1GB'")
        .hasMessageContaining("nothing was rehearsed or changed");
  }

  @Test
  void aRoleStatementInAFileThatRunsOutsideATransactionIsRefused() {
    assertThatThrownBy(
            () -> Containment.decide(List.of(planned("1", false, "CREATE ROLE r NOLOGIN;"))))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
        .hasMessageContaining("V1__m.sql line 1: CREATE ROLE r NOLOGIN")
        .hasMessageContaining("executeInTransaction=false");
  }

  @Test
  void aFileOutsideATransactionAfterAClusterWideOneIsRefusedNamingBoth() {
    assertThatThrownBy(
            () ->
                Containment.decide(
                    List.of(
                        planned("1", true, "CREATE ROLE r;"),
                        planned("2", false, "CREATE INDEX CONCURRENTLY i ON t (id);"))))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
        .hasMessageContaining("V2__m.sql runs outside a transaction")
        .hasMessageContaining("after V1__m.sql line 1: CREATE ROLE r");
  }
}
