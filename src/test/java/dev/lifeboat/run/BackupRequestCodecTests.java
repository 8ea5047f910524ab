package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;

/** A backup request as the run records it: an absent label stays absent; the id identifies. */
class BackupRequestCodecTests {

  static final Instant T0 = Instant.parse("2026-12-07T02:00:00Z");

  /** What the backup verb declares to the codec: a run is its target and id. */
  static final Verb<BackupRequest, BackupResult> BACKUP =
      new Verb<>(VerbName.BACKUP, BackupRequest.class, BackupResult.class, null) {
        @Override
        public Map<String, String> identifying(BackupRequest request, Instant startedAt) {
          return Map.of("id", request.id());
        }

        @Override
        public BackupResult unfinished(BackupRequest request, JobExecution execution) {
          return null;
        }
      };

  private static JobParameters encode(BackupRequest request) {
    return RequestCodec.encode(BACKUP, request, T0, Trigger.CLI, "node-a", "ticket");
  }

  @Test
  void anAbsentLabelStaysAbsent() {
    BackupRequest request = new BackupRequest("app", null).named("20261207T020000Z", T0);

    JobParameters p = encode(request);

    assertThat(p.getString(RequestCodec.REQUEST)).contains("\"label\":null");
    BackupRequest decoded = RequestCodec.decode(p, BackupRequest.class);
    assertThat(decoded.label()).isNull();
    assertThat(decoded).isEqualTo(request);
  }

  @Test
  void aBlankLabelIsNoLabel() {
    assertThat(new BackupRequest("app", "").label()).isNull();
    assertThat(new BackupRequest("app", "  ").label()).isNull();
    assertThat(new BackupRequest("app", "nightly").label()).isEqualTo("nightly");
  }

  @Test
  void aLabelRoundTrips() {
    BackupRequest request = new BackupRequest("app", "pre-restore").named("20261207T020000Z", T0);

    assertThat(RequestCodec.decode(encode(request), BackupRequest.class)).isEqualTo(request);
  }

  @Test
  void theTargetAndIdIdentifyTheRunAsBeforeTheDoorAndHistoryReadsTheId() {
    JobParameters p = encode(new BackupRequest("app", null).named("20261207T020000Z", T0));

    assertThat(p.getParameter("target").identifying()).isTrue();
    assertThat(p.getParameter("id").identifying()).isTrue();
    assertThat(p.getString("id")).isEqualTo("20261207T020000Z");
    assertThat(p.getParameter(RequestCodec.REQUEST).identifying()).isFalse();
    assertThat(p.getParameter("startedAt")).isNull();
  }
}
