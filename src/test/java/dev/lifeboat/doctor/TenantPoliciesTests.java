package dev.lifeboat.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.doctor.TenantPolicies.Policy;
import dev.lifeboat.pg.PgCatalog.Table;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantPoliciesTests {

  private static final String SETTING = "app.account_id";

  private static Policy policy(String name, boolean permissive, String using, String check) {
    return new Policy(new Table("public", "docs"), name, permissive, true, using, check);
  }

  @Test
  void aPermissivePolicyThatNeverReadsTheSettingLeaksAndARestrictiveOneCannot() {
    TenantPolicies p =
        new TenantPolicies(
            List.of(
                policy("open", true, "true", null),
                policy("narrow", false, "(id > 0)", null),
                policy(
                    "own",
                    true,
                    "(account_id = (current_setting('app.account_id'::text, true))::bigint)",
                    "true"),
                new Policy(new Table("public", "docs"), "admin", true, false, "true", null)),
            Map.of());
    assertThat(p.leaking(SETTING))
        .containsExactly(
            "open on public.docs (USING true)", "own on public.docs (WITH CHECK true)");
  }

  @Test
  void aPolicyReadingTheSettingThroughItsFunctionsIsConfined() {
    TenantPolicies p =
        new TenantPolicies(
            List.of(policy("own", true, "(account_id = current_account_id())", null)),
            Map.of(
                "current_account_id",
                List.of(" SELECT tenant_from(current_setting('x.y', true)) "),
                "tenant_from",
                List.of(" SELECT nullif(current_setting('APP.ACCOUNT_ID', true), '')::bigint ")));
    assertThat(p.leaking(SETTING)).isEmpty();
    assertThat(p.castWithoutNullif(SETTING)).isEmpty();
    assertThat(p.leaking("app.other")).hasSize(1);
  }

  @Test
  void aCastOfTheSettingWithoutNullifIsFoundAsPrintedAndAsWritten() {
    for (String cast :
        List.of(
            "(account_id = (current_setting('app.account_id'::text, true))::bigint)",
            "(account_id = (current_setting('app.account_id'::text))::bigint)",
            " SELECT current_setting('app.account_id', true)::uuid ",
            " SELECT CAST(current_setting( 'app.account_id' , true) AS integer) ")) {
      assertThat(TenantPolicies.castWithoutNullif(cast, SETTING)).as(cast).isTrue();
    }
    for (String fine :
        List.of(
            "(account_id = (NULLIF(current_setting('app.account_id'::text, true), ''::text))::bigint)",
            " SELECT nullif( current_setting('app.account_id', true), '')::bigint ",
            "((account_id)::text = current_setting('app.account_id'::text, true))",
            "(name = (current_setting('app.account_id'::text, true))::text)",
            "(account_id = (current_setting('app.other'::text, true))::bigint)")) {
      assertThat(TenantPolicies.castWithoutNullif(fine, SETTING)).as(fine).isFalse();
    }
  }

  @Test
  void theNullifHintNamesEachTableOnceThroughFunctionsToo() {
    TenantPolicies p =
        new TenantPolicies(
            List.of(
                policy("a", true, "(account_id = tenant())", "(account_id = tenant())"),
                new Policy(
                    new Table("public", "Other Docs"),
                    "b",
                    true,
                    true,
                    "(account_id = (current_setting('app.account_id'::text, true))::bigint)",
                    null)),
            Map.of("tenant", List.of("SELECT current_setting('app.account_id', true)::bigint")));
    assertThat(p.castWithoutNullif(SETTING))
        .containsExactly("public.docs", "public.\"Other Docs\"");
  }
}
