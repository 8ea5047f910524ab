package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class S3StoreSettingsTests {

  private static final URI ENDPOINT = URI.create("http://127.0.0.1:9000");

  @Test
  void toStringNeverShowsTheSecretKey() {
    S3StoreSettings settings = settings("lifeboat/", "top-secret-value", 0);

    assertThat(settings.toString())
        .doesNotContain("top-secret-value")
        .contains("secretKey=****")
        .contains("bucket=backups");
  }

  @Test
  void optionalFieldsGetSafeDefaults() {
    S3StoreSettings settings =
        new S3StoreSettings(
            "primary", null, null, "backups", null, false, "key", "secret", null, 0, null, null,
            null);

    assertThat(settings.region()).isEqualTo("us-east-1");
    assertThat(settings.prefix()).isEmpty();
    assertThat(settings.checksumMode()).isEqualTo(ChecksumMode.WHEN_REQUIRED);
    assertThat(settings.partSizeBytes()).isEqualTo(16 * 1024 * 1024);
  }

  @Test
  void aPrefixIsAlwaysAFolder() {
    assertThat(settings("lifeboat", "s", 0).prefix()).isEqualTo("lifeboat/");
    assertThat(settings("/lifeboat/", "s", 0).prefix()).isEqualTo("lifeboat/");
    assertThat(settings("", "s", 0).prefix()).isEmpty();
  }

  @Test
  void partsSmallerThanS3AllowsAreRefusedNamingTheStore() {
    assertThatThrownBy(() -> settings("", "s", 1024 * 1024))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'primary'")
        .hasMessageContaining("5 MiB");
  }

  @Test
  void missingCredentialsAreRefusedNamingTheConfigurationKeys() {
    assertThatThrownBy(
            () ->
                new S3StoreSettings(
                    "primary", ENDPOINT, null, "backups", "", true, "key", " ", null, 0, null, null,
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lifeboat.stores.primary.secret-key");
  }

  @Test
  void aStoreWithoutEndpointDescribesItselfByRegion() {
    S3StoreSettings aws =
        new S3StoreSettings(
            "offsite",
            null,
            "eu-west-1",
            "backups",
            "lb/",
            false,
            "key",
            "secret",
            null,
            0,
            null,
            null,
            null);

    try (S3Store store = new S3Store(aws)) {
      assertThat(store.describe()).isEqualTo("s3://backups/lb/ in AWS region eu-west-1");
    }
  }

  private static S3StoreSettings settings(String prefix, String secret, int partSize) {
    return new S3StoreSettings(
        "primary",
        ENDPOINT,
        "us-east-1",
        "backups",
        prefix,
        true,
        "key",
        secret,
        null,
        partSize,
        null,
        null,
        null);
  }
}
