package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.base.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class ManifestsTests {

  private static final Instant NOW = Instant.parse("2026-11-25T03:00:00Z");
  private static final String SHA = "ab".repeat(32);

  private static Manifest manifest(String id, String target, Instant completedAt) {
    return new Manifest(
        id,
        target,
        "nightly",
        Instant.parse("2026-11-25T02:00:00Z"),
        completedAt,
        Manifest.FORMAT,
        10,
        SHA,
        20,
        "app",
        "15.1",
        "15.1",
        "test",
        Map.of("public.accounts", 42L),
        Map.of(),
        false,
        null,
        null);
  }

  private static byte[] json(Manifest m) {
    return Manifests.write(m);
  }

  @Test
  void aManifestThatBelongsUnderItsKeyIsRead() {
    Manifest m = manifest("20261125T020000Z", "app", Instant.parse("2026-11-25T02:01:00Z"));
    assertThat(Manifests.read(json(m), "app", "20261125T020000Z", NOW)).isEqualTo(m);
  }

  @Test
  void anEmptyLabelOfAnOlderManifestReadsAsNone() {
    ObjectNode tree =
        (ObjectNode)
            Json.mapper()
                .readTree(
                    json(
                        manifest(
                            "20261125T020000Z", "app", Instant.parse("2026-11-25T02:01:00Z"))));
    tree.put("label", "");
    byte[] older = Json.mapper().writeValueAsBytes(tree);

    assertThat(Manifests.read(older, "app", "20261125T020000Z", NOW).label()).isNull();
  }

  @Test
  void aManifestWithoutALabelSaysLabelNullAndReadsAsNone() {
    Manifest m = manifest("20261125T020000Z", "app", Instant.parse("2026-11-25T02:01:00Z"));
    Manifest none =
        new Manifest(
            m.id(),
            m.target(),
            null,
            m.startedAt(),
            m.completedAt(),
            m.format(),
            m.sizeBytes(),
            m.sha256(),
            m.rawBytes(),
            m.database(),
            m.serverVersion(),
            m.pgDumpVersion(),
            m.lifeboatVersion(),
            m.tables(),
            m.rls(),
            m.pinned(),
            m.encryption(),
            m.globals());

    byte[] written = json(none);

    assertThat(Json.mapper().readTree(written).get("label").isNull()).isTrue();
    assertThat(Manifests.read(written, "app", "20261125T020000Z", NOW)).isEqualTo(none);
  }

  @Test
  void aManifestNamingAnotherTargetIsRejected() {
    Manifest m = manifest("20261125T020000Z", "other", Instant.parse("2026-11-25T02:01:00Z"));
    assertThatThrownBy(() -> Manifests.read(json(m), "app", "20261125T020000Z", NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target 'other'");
  }

  @Test
  void aManifestWhoseIdIsAPathIsRejected() {
    Manifest m = manifest("../../../../tmp/pwn", "app", Instant.parse("2026-11-25T02:01:00Z"));
    assertThatThrownBy(() -> Manifests.read(json(m), "app", "20261125T020000Z", NOW))
        .hasMessageContaining("id '../../../../tmp/pwn'");
  }

  @Test
  void aManifestCompletedInTheFutureIsRejectedButSmallSkewIsAllowed() {
    Manifest far = manifest("20261125T020000Z", "app", Instant.parse("9999-01-01T00:00:00Z"));
    assertThatThrownBy(() -> Manifests.read(json(far), "app", "20261125T020000Z", NOW))
        .hasMessageContaining("in the future");
    Manifest skewed = manifest("20261125T020000Z", "app", NOW.plusSeconds(60));
    assertThat(Manifests.read(json(skewed), "app", "20261125T020000Z", NOW)).isEqualTo(skewed);
  }

  @Test
  void aManifestWithoutTablesIsRejectedWithoutANullPointerException() {
    ObjectNode tree =
        (ObjectNode)
            Json.mapper()
                .readTree(
                    json(
                        manifest(
                            "20261125T020000Z", "app", Instant.parse("2026-11-25T02:01:00Z"))));
    tree.remove("tables");
    String text = tree.toString();
    assertThat(text).doesNotContain("tables");
    assertThatThrownBy(
            () ->
                Manifests.read(
                    text.getBytes(StandardCharsets.UTF_8), "app", "20261125T020000Z", NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tables");
  }

  @Test
  void unparseableJsonIsAnIllegalArgument() {
    assertThatThrownBy(
            () -> Manifests.read("{not json".getBytes(StandardCharsets.UTF_8), "app", "x", NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void tableKeysOfAnOlderManifestAreReadInTodaysForm() {
    Manifest old =
        new Manifest(
            "20261125T020000Z",
            "app",
            null,
            NOW,
            NOW,
            Manifest.FORMAT,
            1,
            SHA,
            1,
            null,
            null,
            null,
            null,
            Map.of("public.Accounts", 1L, "public.plain", 2L),
            null,
            false,
            null,
            null);
    assertThat(Manifests.read(json(old)).tables())
        .containsOnlyKeys("public.\"Accounts\"", "public.plain");
  }
}
