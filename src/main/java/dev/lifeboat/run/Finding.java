package dev.lifeboat.run;

/** One line of the doctor's answer: what was checked, how it came out, what was seen. */
public record Finding(String name, CheckStatus status, String detail) {

  public static Finding ok(String name, String detail) {
    return new Finding(name, CheckStatus.OK, detail);
  }

  public static Finding warn(String name, String detail) {
    return new Finding(name, CheckStatus.WARN, detail);
  }

  public static Finding fail(String name, String detail) {
    return new Finding(name, CheckStatus.FAIL, detail);
  }
}
