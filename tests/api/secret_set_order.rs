//! `#[derive(SecretSet)]` writes `BY_NAME`, the order the compile-time checks of `stack!` binary-search.

use kubricate::prelude::*;

// Only the derive reads the variants (the set is never used as a value).
#[allow(dead_code)]
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum Mixed {
    Zeta,
    ApiKey,
    #[secret(name = "lower_case")]
    LowerCase,
    Alpha2,
    Alpha,
}

#[test]
fn by_name_orders_the_declared_names_bytewise() {
    let names: Vec<&str> = Mixed::BY_NAME
        .iter()
        .map(|&i| Mixed::SECRETS[i as usize].name)
        .collect();
    assert_eq!(names, ["ALPHA", "ALPHA2", "API_KEY", "ZETA", "lower_case"]);
    let set = kubricate::__private::checks::SetInfo::of::<Mixed>();
    for decl in Mixed::SECRETS {
        assert!(kubricate::__private::checks::provider_of(&set, decl.name).is_some());
        assert!(!kubricate::__private::checks::secret_declared(&set, decl.name).is_err());
    }
    assert!(kubricate::__private::checks::secret_declared(&set, "ALPH").is_err());
}
