package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RestoreTests {

  @Test
  void everyTableOfEitherSideIsCompared() {
    List<RestoreResult.TableCount> counts =
        Restore.compare(
            Map.of("public.a", 3L, "public.b", 2L), Map.of("public.a", 3L, "public.c", 1L));

    assertThat(counts)
        .containsExactly(
            new RestoreResult.TableCount("public.a", 3L, 3L, true),
            new RestoreResult.TableCount("public.b", 2L, null, false),
            new RestoreResult.TableCount("public.c", null, 1L, false));
  }
}
