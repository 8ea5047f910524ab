package dev.lifeboat.drill;

/** One thing a drill checked: {@code passed} or {@code failed}, with what was seen. */
public record DrillCheck(String name, String status, String detail) {

  public static DrillCheck passed(String name, String detail) {
    return new DrillCheck(name, "passed", detail);
  }

  public static DrillCheck failed(String name, String detail) {
    return new DrillCheck(name, "failed", detail);
  }

  public boolean ok() {
    return "passed".equals(status);
  }
}
