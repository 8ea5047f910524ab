package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.run.NodeSchedules.Definition;
import dev.lifeboat.run.NodeSchedules.Member;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeSchedulesTests {

  static final Definition NIGHTLY = new Definition("backup.app", "0 0 2 * * ?", "UTC");
  static final Definition PRUNE = new Definition("prune.app", "0 30 3 * * ?", "UTC");

  @Test
  void nodesWithTheSameSchedulesAgree() {
    assertThat(
            NodeSchedules.disagreements(
                List.of(
                    new Member("a-1", "node-a", List.of(NIGHTLY, PRUNE)),
                    new Member("b-2", "node-b", List.of(PRUNE, NIGHTLY)))))
        .isEmpty();
    assertThat(NodeSchedules.disagreements(List.of())).isEmpty();
  }

  @Test
  void aScheduleMissingOnOneNodeAndACronThatDiffersAreEachOneLine() {
    Definition later = new Definition("backup.app", "0 0 3 * * ?", "UTC");
    List<String> lines =
        NodeSchedules.disagreements(
            List.of(
                new Member("a-1", "node-a", List.of(NIGHTLY)),
                new Member("b-2", "node-b", List.of(later, PRUNE)),
                new Member("c-3", "node-c", List.of(NIGHTLY, PRUNE))));
    assertThat(lines)
        .containsExactly(
            "schedule backup.app: \"0 0 2 * * ?\" UTC on node-a, node-c; \"0 0 3 * * ?\" UTC on"
                + " node-b",
            "schedule prune.app: \"0 30 3 * * ?\" UTC on node-b, node-c; not configured on node-a");
  }

  @Test
  void aNodeWithNoSchedulesAtAllDisagreesWithOneThatHasSome() {
    assertThat(
            NodeSchedules.disagreements(
                List.of(
                    new Member("a-1", "node-a", List.of()),
                    new Member("b-2", "node-b", List.of(NIGHTLY)))))
        .containsExactly(
            "schedule backup.app: \"0 0 2 * * ?\" UTC on node-b; not configured on node-a");
  }
}
