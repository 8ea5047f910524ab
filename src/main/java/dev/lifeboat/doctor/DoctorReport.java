package dev.lifeboat.doctor;

import dev.lifeboat.run.CheckStatus;
import dev.lifeboat.run.Finding;
import java.util.List;

/**
 * The doctor's answer (CONTRACT §4, {@code version --json}): {@code status} is the worst of the
 * checks', {@code "ok"}, {@code "warn"} or {@code "fail"}.
 */
public record DoctorReport(String status, List<Check> checks) {

  /** One check as {@code version --json} prints it. */
  public record Check(String name, String status, String detail) {}

  static DoctorReport of(List<Finding> findings) {
    CheckStatus worst = CheckStatus.OK;
    for (Finding f : findings) {
      worst = worst.and(f.status());
    }
    return new DoctorReport(
        worst.word(),
        findings.stream().map(f -> new Check(f.name(), f.status().word(), f.detail())).toList());
  }

  /** True when no check failed (warnings allowed): exit 0. */
  public boolean healthy() {
    return !CheckStatus.FAIL.word().equals(status);
  }
}
