package dev.lifeboat.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowCountsTests {

  @Test
  void everyTableOfEitherSideIsCompared() {
    List<RowCounts.TableCount> counts =
        RowCounts.compare(
            Map.of("public.a", 3L, "public.b", 2L), Map.of("public.a", 3L, "public.c", 1L));

    assertThat(counts)
        .containsExactly(
            new RowCounts.TableCount("public.a", 3L, 3L, true),
            new RowCounts.TableCount("public.b", 2L, null, false),
            new RowCounts.TableCount("public.c", null, 1L, false));
  }
}
