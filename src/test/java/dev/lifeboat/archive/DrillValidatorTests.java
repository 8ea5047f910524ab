package dev.lifeboat.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgCatalog.RlsState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrillValidatorTests {

  @Test
  void equalCountsPassAndEveryDifferenceIsNamed() {
    List<DrillCheck> checks =
        DrillValidator.rowCounts(
            Map.of("public.a", 10L, "public.b", 5L, "public.gone", 1L),
            Map.of("public.a", 10L, "public.b", 4L, "public.new", 7L));

    assertThat(checks)
        .extracting(DrillCheck::name, DrillCheck::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("rows public.a", DrillCheck.Status.PASSED),
            org.assertj.core.groups.Tuple.tuple("rows public.b", DrillCheck.Status.FAILED),
            org.assertj.core.groups.Tuple.tuple("rows public.gone", DrillCheck.Status.FAILED),
            org.assertj.core.groups.Tuple.tuple("rows public.new", DrillCheck.Status.FAILED));
    assertThat(checks.get(1).detail()).isEqualTo("expected 5 rows as in the manifest, found 4");
    assertThat(checks.get(2).detail()).contains("missing after the restore");
  }

  @Test
  void rlsThatLostItsForceOrAPolicyFails() {
    List<DrillCheck> checks =
        DrillValidator.rls(
            Map.of(
                "public.t", new RlsState(true, true, 2), "public.u", new RlsState(true, true, 1)),
            Map.of(
                "public.t", new RlsState(true, false, 2), "public.u", new RlsState(true, true, 1)));

    assertThat(checks.get(0).ok()).isFalse();
    assertThat(checks.get(0).detail())
        .isEqualTo(
            "had enabled, forced, 2 policies at backup time, has enabled, not forced, 2 policies");
    assertThat(checks.get(1).ok()).isTrue();
  }
}
