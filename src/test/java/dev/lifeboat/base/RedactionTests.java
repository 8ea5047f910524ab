package dev.lifeboat.base;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTests {

  @Test
  void userInfoInAnyUrlIsHidden() {
    assertThat(Redaction.urls("cannot parse jdbc:postgresql://app:s3cret@db:5432/app now"))
        .isEqualTo("cannot parse jdbc:postgresql://***@db:5432/app now");
    assertThat(Redaction.urls("endpoint https://AKIA:wJalr@minio.local:9000/"))
        .isEqualTo("endpoint https://***@minio.local:9000/");
  }

  @Test
  void secretQueryParametersAreHidden() {
    assertThat(Redaction.urls("jdbc:postgresql://db/app?sslmode=require&password=s3cret&user=app"))
        .isEqualTo("jdbc:postgresql://db/app?sslmode=require&password=***&user=app");
    assertThat(Redaction.urls("https://b.s3/x?X-Amz-Signature=abc123&X-Amz-Date=1"))
        .isEqualTo("https://b.s3/x?X-Amz-Signature=***&X-Amz-Date=1");
  }

  @Test
  void textWithoutCredentialsIsUnchanged() {
    String text = "backup 20240101T000000Z of target 'app' to s3://b/p at http://127.0.0.1:9000";
    assertThat(Redaction.urls(text)).isSameAs(text);
    assertThat(Redaction.urls("mail admin@example.com")).isEqualTo("mail admin@example.com");
  }
}
