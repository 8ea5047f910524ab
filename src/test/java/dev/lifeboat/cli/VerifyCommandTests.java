package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.verify.Verify;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code verify --wal}: what it parses and what it prints, without starting anything. */
class VerifyCommandTests {

  private static VerifyCommand parsed(String... args) {
    return (VerifyCommand)
        Launcher.Invocation.parse(List.of(args)).parsed().subcommand().commandSpec().userObject();
  }

  @Test
  void verifyTakesABackupOrWalButNotBothAndNotNeither() {
    VerifyCommand backup = parsed("verify", "latest", "--store", "a");
    assertThat(backup.what.id).isEqualTo("latest");
    assertThat(backup.what.wal).isFalse();
    VerifyCommand wal = parsed("verify", "--wal", "--store", "a");
    assertThat(wal.what.wal).isTrue();
    assertThat(wal.what.id).isNull();
    assertThat(wal.store).isEqualTo("a");

    assertThatThrownBy(() -> parsed("verify"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("ID|latest")
        .hasMessageContaining("--wal");
    assertThatThrownBy(() -> parsed("verify", "latest", "--wal"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("mutually exclusive");
  }

  @Test
  void verifyWalPrintsEachStoresVerdictThenItsChain() {
    Instant modified = Instant.parse("2026-12-07T16:02:11Z");
    Verify.WalReport report =
        new Verify.WalReport(
            "app",
            "7716579398738843286",
            List.of(
                new Verify.WalReport.Store(
                    "a",
                    Verify.WalReport.Status.OK,
                    "6 segment(s) and a partial on timeline 1, checksums ok",
                    1L,
                    6,
                    7,
                    2048,
                    List.of(
                        new Verify.WalReport.Run(
                            "000000010000000000000001",
                            "000000010000000000000007",
                            6,
                            "0/604000",
                            modified)),
                    List.of(),
                    List.of(),
                    List.of(
                        new Verify.WalReport.Window(
                            "20261207T151000Z",
                            Instant.parse("2026-12-07T15:10:04Z"),
                            modified,
                            1,
                            "0/200100",
                            "0/604000")),
                    new Verify.WalReport.Partial("000000010000000000000007", 16384, modified, 3),
                    List.of()),
                new Verify.WalReport.Store(
                    "b",
                    Verify.WalReport.Status.BROKEN,
                    "segment 000000010000000000000003 missing; 1 corrupt or unreadable object(s):"
                        + " k3",
                    1L,
                    4,
                    5,
                    1500,
                    List.of(
                        new Verify.WalReport.Run(
                            "000000010000000000000001",
                            "000000010000000000000002",
                            2,
                            "0/300000",
                            modified),
                        new Verify.WalReport.Run(
                            "000000010000000000000004",
                            "000000010000000000000005",
                            2,
                            "0/600000",
                            modified)),
                    List.of(
                        new Verify.WalReport.Gap(
                            "000000010000000000000003", "000000010000000000000003", 1)),
                    List.of(new Verify.WalReport.Corrupt("k3", "checksum mismatch: …")),
                    List.of(),
                    null,
                    List.of(2L)),
                new Verify.WalReport.Store(
                    "c",
                    Verify.WalReport.Status.EMPTY,
                    "the store holds no WAL of target app",
                    null,
                    0,
                    0,
                    0,
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    null,
                    List.of())));

    assertThat(VerifyCommand.walLines(report))
        .containsExactly(
            "WAL of target 'app', system 7716579398738843286:",
            "  a: ok - 6 segment(s) and a partial on timeline 1, checksums ok",
            "    run 000000010000000000000001 to 000000010000000000000007: 6 segment(s), WAL to"
                + " 0/604000",
            "    recoverable from 2026-12-07T15:10:04Z (base backup 20261207T151000Z) to"
                + " 2026-12-07T16:02:11Z, timeline 1",
            "    newest partial 000000010000000000000007: 16384 bytes, 3 s old",
            "    7 object(s), 2048 bytes read back",
            "  b: broken - segment 000000010000000000000003 missing; 1 corrupt or unreadable"
                + " object(s): k3",
            "    run 000000010000000000000001 to 000000010000000000000002: 2 segment(s), WAL to"
                + " 0/300000",
            "    run 000000010000000000000004 to 000000010000000000000005: 2 segment(s), WAL to"
                + " 0/600000",
            "    gap 000000010000000000000003: 1 segment(s) missing",
            "    corrupt k3: checksum mismatch: …",
            "    timeline 2: its history file is not readable here; not followed",
            "    5 object(s), 1500 bytes read back",
            "  c: empty - the store holds no WAL of target app");
  }
}
