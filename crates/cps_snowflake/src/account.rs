//! Snowflake account identifiers as TD's zero-copy form asks for them (spec §6; S23, S24):
//! `orgname-account_name`, or a legacy locator with its region and cloud. Everything users paste
//! instead (a URL, a host name, Snowsight's address, the data-sharing `org.account`) gets the
//! identifier to write.

use crate::shown;

/// How an account identifier is written (spec §6; S23, S24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountForm {
    /// `orgname-account_name`: the preferred form.
    OrgAccount,
    /// `xy12345`: a legacy account locator alone (AWS US West, Oregon).
    Locator,
    /// `xy12345.us-east-2` or `xy12345.us-east-2.aws`: a legacy locator with its region (and
    /// cloud).
    LocatorWithRegion,
}

impl AccountForm {
    pub fn describe(self) -> &'static str {
        match self {
            AccountForm::OrgAccount => "organization and account name (the preferred form)",
            AccountForm::Locator => {
                "legacy account locator (only for accounts in AWS US West (Oregon); prefer `orgname-account_name`)"
            }
            AccountForm::LocatorWithRegion => {
                "legacy account locator with region (discouraged; prefer `orgname-account_name`)"
            }
        }
    }
}

const CLOUDS: [&str; 3] = ["aws", "azure", "gcp"];
const DOMAIN: &str = ".snowflakecomputing.com";

/// Checks a Snowflake account identifier as TD's zero-copy form asks for it. The `Err` says what
/// is wrong and what to write instead.
pub fn check_account(s: &str) -> Result<AccountForm, String> {
    if s.trim().is_empty() {
        return Err("the account identifier is empty: write it as `orgname-account_name` (Snowsight: account menu → View account details → Account identifier)".into());
    }
    if s.len() > 255 {
        return Err("the account identifier is longer than 255 characters; it looks like `orgname-account_name`".into());
    }
    if s.trim() != s {
        return Err(format!(
            "`{}` has spaces around it: write `{}`",
            shown(s),
            shown(s.trim())
        ));
    }
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        let start = s.len() - rest.len();
        return Err(from_url(&s[start..]));
    }
    if s.contains(char::is_whitespace) {
        return Err(format!(
            "`{}` holds a space: an account identifier is one word such as `myorg-account123`",
            shown(s)
        ));
    }
    if lower.ends_with(DOMAIN) {
        let id = &s[..s.len() - DOMAIN.len()];
        return Err(match check_account(id) {
            Ok(_) => format!(
                "`{}` is the host name: drop `{DOMAIN}` and write `{}`",
                shown(s),
                shown(id)
            ),
            Err(why) => format!("`{}` is a host name: drop `{DOMAIN}`; then {why}", shown(s)),
        });
    }
    if let Some(id) = lower
        .strip_suffix(".privatelink")
        .map(|_| &s[..s.len() - ".privatelink".len()])
    {
        return Err(format!(
            "`.privatelink` belongs to the PrivateLink host name, not to the account identifier: write `{}` (TD's docs do not say whether zero-copy connections support PrivateLink)",
            shown(id)
        ));
    }
    if s.contains('/') || s.contains(':') || s.contains('@') {
        return Err(format!(
            "`{}` is not an account identifier: write only `orgname-account_name`, without a URL, user or port",
            shown(s)
        ));
    }
    let parts: Vec<&str> = s.split('.').collect();
    match parts.as_slice() {
        [one] => one_part(one),
        [locator, region] => {
            // `MYORG.MYACCOUNT` is the data-sharing form Snowsight shows next to the identifier;
            // every region id holds a `-`.
            if !region.contains('-') && is_org_name(locator) && is_account_name(region) {
                return Err(format!(
                    "`{}` is the data-sharing form `org.account`; connections take `{locator}-{region}`",
                    shown(s)
                ));
            }
            check_locator(locator, s)?;
            check_region(region, s)?;
            Ok(AccountForm::LocatorWithRegion)
        }
        [locator, region, cloud] => {
            check_locator(locator, s)?;
            check_region(region, s)?;
            if !CLOUDS.contains(&cloud.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "`{}`: the last part of `locator.region.cloud` is the cloud, one of aws, azure, gcp, not `{}`",
                    shown(s),
                    shown(cloud)
                ));
            }
            Ok(AccountForm::LocatorWithRegion)
        }
        _ => Err(format!(
            "`{}` has too many `.`: write `orgname-account_name` (or the legacy `locator.region.cloud`)",
            shown(s)
        )),
    }
}

fn from_url(rest: &str) -> String {
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split_once(':').map_or(host, |(h, _)| h);
    let lower = host.to_ascii_lowercase();
    // Snowsight's own address: app.snowflake.com/<org>/<account>/… or, for legacy accounts,
    // app.snowflake.com/<region.cloud>/<locator>/…
    if lower == "app.snowflake.com" {
        let mut path = rest[host_end..]
            .trim_start_matches('/')
            .split(['/', '?', '#']);
        let (a, b) = (path.next().unwrap_or(""), path.next().unwrap_or(""));
        let guess = if a.contains('.') {
            format!("{b}.{a}")
        } else {
            format!("{a}-{b}")
        };
        return match check_account(&guess) {
            Ok(_) if !a.is_empty() && !b.is_empty() => format!(
                "this is a Snowsight address, not an account identifier: write `{}`",
                shown(&guess)
            ),
            _ => "this is a Snowsight address, not an account identifier: write `orgname-account_name` (Snowsight: account menu → View account details)".into(),
        };
    }
    let id = lower
        .strip_suffix(DOMAIN)
        .map(|_| &host[..host.len() - DOMAIN.len()]);
    match id {
        Some(id) => match check_account(id) {
            Ok(_) => format!(
                "write the account identifier, not the URL: drop `https://` and `{DOMAIN}` and write `{}`",
                shown(id)
            ),
            Err(why) => {
                format!("write the account identifier, not the URL: drop `https://` and `{DOMAIN}`; then {why}")
            }
        },
        None => format!(
            "`{}` is a URL, and not a Snowflake one: write the account identifier `orgname-account_name`",
            shown(host)
        ),
    }
}

fn one_part(s: &str) -> Result<AccountForm, String> {
    let Some((org, account)) = s.split_once('-') else {
        return if is_locator(s) {
            Ok(AccountForm::Locator)
        } else if s.contains('_') {
            Err(format!(
                "`{}` looks like an account name without its organization: write `orgname-{}`",
                shown(s),
                shown(s)
            ))
        } else {
            Err(format!(
                "`{}` is not an account identifier: write `orgname-account_name` (letters, digits and `_`)",
                shown(s)
            ))
        };
    };
    if account.contains('-') {
        let fixed = account.replace('-', "_");
        return Err(format!(
            "`{}` has more than one `-`: URLs spell `_` in account names as `-`, identifiers keep `_`: write `{org}-{}`",
            shown(s),
            shown(&fixed)
        ));
    }
    if !is_org_name(org) {
        return Err(format!(
            "`{}`: the organization name (before `-`) holds only letters and digits and starts with a letter",
            shown(s)
        ));
    }
    if !is_account_name(account) {
        return Err(format!(
            "`{}`: the account name (after `-`) holds only letters, digits and `_` and starts with a letter",
            shown(s)
        ));
    }
    Ok(AccountForm::OrgAccount)
}

fn starts_with_letter(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
}

fn is_org_name(s: &str) -> bool {
    starts_with_letter(s) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_account_name(s: &str) -> bool {
    starts_with_letter(s) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_locator(s: &str) -> bool {
    starts_with_letter(s)
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.bytes().any(|b| b.is_ascii_digit())
}

fn check_locator(locator: &str, whole: &str) -> Result<(), String> {
    if locator.contains('-') {
        return Err(format!(
            "`{}` mixes the two forms: write `orgname-account_name` alone, or the legacy `locator.region`",
            shown(whole)
        ));
    }
    if !is_locator(locator) {
        return Err(format!(
            "`{}`: the account locator (before the first `.`) is letters and digits, such as `xy12345`",
            shown(whole)
        ));
    }
    Ok(())
}

fn check_region(region: &str, whole: &str) -> Result<(), String> {
    let ok = region.contains('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}`: the region is a Snowflake region id such as `us-east-2` or `east-us-2`, not `{}`",
            shown(whole),
            shown(region)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        assert_eq!(
            check_account("myorg-account123"),
            Ok(AccountForm::OrgAccount)
        );
        assert_eq!(
            check_account("MYORG-MY_ACCOUNT"),
            Ok(AccountForm::OrgAccount)
        );
        assert_eq!(check_account("xy12345"), Ok(AccountForm::Locator));
        assert_eq!(
            check_account("xy12345.us-east-2"),
            Ok(AccountForm::LocatorWithRegion)
        );
        assert_eq!(
            check_account("xy12345.east-us-2.azure"),
            Ok(AccountForm::LocatorWithRegion)
        );
        let e = check_account("https://myorg-acct.snowflakecomputing.com/").unwrap_err();
        assert!(e.contains("write `myorg-acct`"), "{e}");
        let e = check_account("myorg-acct.snowflakecomputing.com").unwrap_err();
        assert!(e.contains("write `myorg-acct`"), "{e}");
        let e = check_account("myorg-my-acct").unwrap_err();
        assert!(e.contains("myorg-my_acct"), "{e}");
        let e = check_account("MYORG.MYACCT").unwrap_err();
        assert!(e.contains("MYORG-MYACCT"), "{e}");
        let e = check_account("https://app.snowflake.com/myorg/myacct/worksheets").unwrap_err();
        assert!(e.contains("myorg-myacct"), "{e}");
        for bad in [
            "",
            " ",
            "my org",
            "a.b.c.d",
            "xy12345.us-east-2.ibm",
            "-x",
            "x-",
        ] {
            assert!(check_account(bad).is_err(), "{bad}");
        }
        assert!(check_account(&"a".repeat(100_000)).is_err());
    }
}
