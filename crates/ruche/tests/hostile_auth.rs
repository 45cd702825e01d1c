//! An attacker at the door, against a real `ruche serve` on SQLite and PostgreSQL: password
//! guessing on the login form and the OAuth token endpoint (per-address and per-account limits,
//! 429 with `Retry-After`), a flood of argon2 work from many addresses (memory stays bounded,
//! every request is answered), concurrent sign-ups racing the user limit, the sign-up answer as
//! an oracle of who has an account, and open redirects through `next` after login.
//!
//! Clients take distinct addresses by binding 127.0.0.x (all of 127/8 is loopback on Linux),
//! or, where the instance trusts a proxy on 127.0.0.1, by the proxy's `X-Forwarded-For`.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use ruche_testkit::{Instance, both, browser_from};
use serde_json::{Value, json};

/// `POST /api/v1/users/token` with the password grant.
fn token_request(
    http: &reqwest::Client,
    inst: &Instance,
    client: &(String, String),
    username: &str,
    password: &str,
) -> reqwest::RequestBuilder {
    http.post(format!("{}/api/v1/users/token", inst.url))
        .form(&[
            ("client_id", client.0.as_str()),
            ("client_secret", client.1.as_str()),
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ])
}

/// The login form, as a browser posts it.
fn form_login(
    http: &reqwest::Client,
    inst: &Instance,
    username: &str,
    password: &str,
) -> reqwest::RequestBuilder {
    http.post(format!("{}/login", inst.url))
        .form(&[("username", username), ("password", password)])
}

/// `Retry-After` in seconds; fails the test if absent or not a positive number.
fn retry_after(res: &reqwest::Response) -> u64 {
    let secs: u64 = res
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!(secs > 0);
    secs
}

/// An admin-made user `name` with `password` (and `name@example.org`).
async fn make_user(inst: &Instance, admin: &str, name: &str, password: &str) {
    let res = inst
        .http
        .post(format!("{}/api/v1/users", inst.url))
        .bearer_auth(admin)
        .json(&json!({ "username": name, "email": format!("{name}@example.org"), "password": password, "role": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

both!(
    guesses_past_the_limit_get_429_on_the_form_and_the_api,
    |db| async move {
        // Five guesses per address, and an account limit well above it: here the address limit
        // is the one that bites.
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_RATES_LOGIN_MAX", "5"),
                ("RUCHE_RATES_ACCOUNT_MAX", "50"),
            ],
        )
        .await;
        let root = inst.root_token().await;
        make_user(&inst, &root, "alice", "alice-secret").await;
        let client = inst.api().oauth_client().await;
        let attacker = browser_from("127.0.0.2");

        for guess in 0..5 {
            let res = token_request(
                &attacker,
                &inst,
                &client,
                "alice",
                &format!("guess-{guess}"),
            )
            .send()
            .await
            .unwrap();
            assert_eq!(res.status(), 400, "guess {guess} is checked");
        }
        // The API: 429, PeerTube's error JSON, Retry-After.
        let res = token_request(&attacker, &inst, &client, "alice", "guess-5")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        retry_after(&res);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json")
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], 429);
        assert!(
            body["detail"].as_str().unwrap().contains("Too many"),
            "{body}"
        );
        // The form, from the same address: a page in the visitor's language, 429, Retry-After.
        let res = form_login(&attacker, &inst, "alice", "guess-6")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        retry_after(&res);
        assert!(res.text().await.unwrap().contains("Too many attempts"));
        let res = form_login(&attacker, &inst, "alice", "guess-7")
            .header("Accept-Language", "fr")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        assert!(res.text().await.unwrap().contains("Trop de tentatives"));
        // Even the right password is refused from this address: it is out of attempts.
        let res = token_request(&attacker, &inst, &client, "alice", "alice-secret")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        // Nobody trusts a proxy here: a header naming another address changes nothing.
        let res = token_request(&attacker, &inst, &client, "alice", "guess-8")
            .header("X-Forwarded-For", "198.51.100.77")
            .header("Forwarded", "for=198.51.100.77")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);

        // Alice, from her own address, is not locked out by the attacker's address, on the API
        // and on the form; and logging in as often as she likes costs her nothing (a success
        // gives its attempt back).
        let alice = browser_from("127.0.0.3");
        for _ in 0..8 {
            let res = token_request(&alice, &inst, &client, "alice", "alice-secret")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        }
        let res = form_login(&alice, &inst, "alice", "alice-secret")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        // The refresh grant is limited with the logins: a wrong refresh token is a failure.
        for _ in 0..5 {
            let res = alice
                .post(format!("{}/api/v1/users/token", inst.url))
                .form(&[
                    ("client_id", client.0.as_str()),
                    ("client_secret", client.1.as_str()),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", "not-a-token"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
        }
        let res = alice
            .post(format!("{}/api/v1/users/token", inst.url))
            .form(&[
                ("client_id", client.0.as_str()),
                ("client_secret", client.1.as_str()),
                ("grant_type", "refresh_token"),
                ("refresh_token", "not-a-token"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        retry_after(&res);
        inst.stop().await;
    }
);

both!(
    the_account_lock_holds_against_many_addresses,
    |db| async move {
        // Three guesses per address, six failures per account; the instance sits behind a
        // proxy on 127.0.0.1, whose X-Forwarded-For names the client.
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_RATES_LOGIN_MAX", "3"),
                ("RUCHE_RATES_ACCOUNT_MAX", "6"),
                ("RUCHE_RATES_TRUSTED_PROXIES", "127.0.0.1"),
            ],
        )
        .await;
        let root = inst.root_token().await;
        make_user(&inst, &root, "bob", "bob-secret").await;
        make_user(&inst, &root, "carol", "carol-secret").await;
        let client = inst.api().oauth_client().await;
        let proxy = browser_from("127.0.0.1");
        let guess_from = |addr: String, login: &'static str, password: &'static str| {
            token_request(&proxy, &inst, &client, login, password)
                .header("X-Forwarded-For", format!("203.0.113.250, {addr}"))
                .send()
        };

        // A success clears the account's failures: five of them, Bob logs in, five more, and
        // Bob still logs in (without the reset, ten failures would have locked him out at six).
        for i in 0..5 {
            let res = guess_from(format!("198.51.100.{i}"), "bob", "wrong")
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
        }
        let bob = browser_from("127.0.0.5");
        assert_eq!(
            token_request(&bob, &inst, &client, "bob", "bob-secret")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        for i in 0..5 {
            let res = guess_from(format!("198.51.100.{}", 10 + i), "BOB", "wrong")
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
        }
        assert_eq!(
            token_request(&bob, &inst, &client, "bob", "bob-secret")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );

        // Guesses at Carol from six addresses, one each: no address reaches its own limit, the
        // account does. The seventh, from a fresh address, is refused.
        for i in 0..6 {
            let res = guess_from(format!("192.0.2.{i}"), "carol", "wrong")
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "guess {i}");
        }
        let res = guess_from("192.0.2.100".into(), "carol", "wrong")
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        retry_after(&res);
        // While the lock holds, Carol's own right password is refused too, from her own
        // address, on the API and the form: a lock that let the right password in would let the
        // attacker's right guess in. (She waits Retry-After; the attacker gains one guess per
        // window / max.)
        let carol = browser_from("127.0.0.6");
        let res = token_request(&carol, &inst, &client, "carol", "carol-secret")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        retry_after(&res);
        let res = form_login(&carol, &inst, "carol", "carol-secret")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        assert!(res.text().await.unwrap().contains("Too many attempts"));
        // Being refused by the account's lock did not spend her address's own attempts: all
        // three are left.
        for _ in 0..3 {
            let res = token_request(&carol, &inst, &client, "dave", "wrong")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
        }
        let res = token_request(&carol, &inst, &client, "dave", "wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);

        // IPv6 clients count by their /64: four addresses of one /64 share three attempts, the
        // next /64 has its own.
        for i in 1..=3 {
            let res = guess_from(format!("2001:db8:1:2::{i}"), "nobody", "wrong")
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
        }
        let res = guess_from("2001:db8:1:2:ffff::9".into(), "nobody", "wrong")
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        let res = guess_from("2001:db8:1:3::1".into(), "nobody", "wrong")
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        // A client not behind the trusted proxy cannot name itself another address.
        let direct = browser_from("127.0.0.7");
        for _ in 0..3 {
            let res = token_request(&direct, &inst, &client, "nobody2", "wrong")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
        }
        let res = token_request(&direct, &inst, &client, "nobody2", "wrong")
            .header("X-Forwarded-For", "198.51.100.200")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        inst.stop().await;
    }
);

both!(
    an_argon2_flood_keeps_memory_bounded_and_is_answered,
    |db| async move {
        // A botnet: 256 guesses at once, each from its own address (through the trusted proxy),
        // half at the administrator, half at accounts nobody has; the per-account limit is off,
        // so no rate limit stands in the way: only the hashing slots do.
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_RATES_TRUSTED_PROXIES", "127.0.0.1"),
                ("RUCHE_RATES_ACCOUNT_MAX", "0"),
                ("RUCHE_RATES_HASH_WAIT_SECS", "1"),
            ],
        )
        .await;
        let client = inst.api().oauth_client().await;
        let before = inst.memory("VmHWM");
        let proxy = browser_from("127.0.0.1");
        let mut flood = Vec::new();
        for i in 0..256u32 {
            let known = i % 2 == 0;
            let login = if known {
                "root".to_string()
            } else {
                format!("nobody{i}")
            };
            let req = token_request(&proxy, &inst, &client, &login, "guess").header(
                "X-Forwarded-For",
                format!("10.9.{}.{}", i / 200, i % 200 + 1),
            );
            flood.push(tokio::spawn(async move {
                let res = req.send().await.expect("every request is answered");
                let status = res.status().as_u16();
                let retry = res.headers().contains_key("retry-after");
                let _ = res.bytes().await;
                (known, status, retry)
            }));
        }
        let mut answers = Vec::new();
        for t in flood {
            answers.push(t.await.unwrap());
        }
        let peak = inst.memory("VmHWM");
        let now = inst.memory("VmRSS");
        // (checked, busy) for unknown and known logins.
        let mut seen = [(0, 0), (0, 0)];
        for (known, status, _) in &answers {
            let tally = &mut seen[usize::from(*known)];
            match status {
                400 => tally.0 += 1,
                503 => tally.1 += 1,
                _ => {}
            }
        }
        eprintln!(
            "flood: {seen:?} (checked, busy) for unknown and known logins; resident memory {} MiB at start, {} MiB at peak, {} MiB now",
            before >> 20,
            peak >> 20,
            now >> 20
        );
        // At most one argon2 (19 MiB) per core at a time; a generous bound over that. Without
        // the bound, every guess hashes at once: 19 MiB each, gigabytes in all.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let bound = before + 256 * 1024 * 1024 + cores * 40 * 1024 * 1024;
        assert!(
            peak < bound,
            "peak resident memory {} MiB (started at {} MiB, now {} MiB), bound {} MiB",
            peak >> 20,
            before >> 20,
            now >> 20,
            bound >> 20
        );
        for (_, status, retry) in &answers {
            assert!(
                *status == 400 || *status == 503,
                "unexpected status {status}"
            );
            assert!(*status != 503 || *retry, "a 503 says when to come back");
        }
        assert!(seen[0].0 + seen[1].0 > 0, "guesses were checked: {seen:?}");
        // An unknown login costs one argon2 verification as a known one does (no timing oracle
        // of who has an account): both queued for the hashing slots, and both overflowed.
        assert!(seen[0].1 > 0 && seen[1].1 > 0, "{seen:?}");
        // The server is still itself: the administrator logs in.
        let admin = browser_from("127.0.0.4");
        assert_eq!(
            token_request(&admin, &inst, &client, "root", &inst.password)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        inst.stop().await;
    }
);

both!(
    the_user_limit_holds_under_concurrent_sign_ups,
    |db| async move {
        // A limit of three users (root is one); twenty sign-ups at once, each from its own
        // address so the per-address sign-up limit does not hide the race.
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_SIGNUP_ENABLED", "true"),
                ("RUCHE_SIGNUP_LIMIT", "3"),
                ("RUCHE_RATES_HASH_WAIT_SECS", "300"),
            ],
        )
        .await;
        let mut racers = Vec::new();
        for i in 0..20 {
            let http = browser_from(&format!("127.0.1.{}", i + 1));
            let url = format!("{}/api/v1/users/register", inst.url);
            racers.push(tokio::spawn(async move {
                http.post(url)
                    .json(&json!({ "username": format!("racer{i}"), "email": format!("racer{i}@example.org"), "password": "long-enough" }))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for r in racers {
            statuses.push(r.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 204).count(),
            2,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 204 || *s == 403),
            "{statuses:?}"
        );
        let mut made = 0;
        for i in 0..20 {
            let res = inst
                .http
                .get(format!("{}/api/v1/accounts/racer{i}", inst.url))
                .send()
                .await
                .unwrap();
            made += usize::from(res.status() == 200);
        }
        assert_eq!(made, 2, "root and two more: the limit of three holds");
        let (_, cfg) = inst.api().get_json("/api/v1/config").await;
        assert_eq!(cfg["signup"]["allowed"], false);
        inst.stop().await;
    }
);

both!(
    sign_up_answers_do_not_tell_whether_an_address_has_an_account,
    |db| async move {
        let inst = Instance::start(db, &[("RUCHE_SIGNUP_ENABLED", "true")]).await;
        let root = inst.root_token().await;
        make_user(&inst, &root, "alice", "alice-secret").await;
        // The API: someone else's address, or a fresh one, with a fresh username each: the
        // same status, the same body.
        let register = |from: &str, name: &str, email: &str| {
            browser_from(from)
                .post(format!("{}/api/v1/users/register", inst.url))
                .json(&json!({ "username": name, "email": email, "password": "long-enough" }))
                .send()
        };
        let taken = register("127.0.2.1", "newbie1", "ALICE@example.org")
            .await
            .unwrap();
        let fresh = register("127.0.2.2", "newbie2", "fresh@example.org")
            .await
            .unwrap();
        assert_eq!(taken.status(), fresh.status());
        assert_eq!(taken.status(), 204);
        assert_eq!(taken.text().await.unwrap(), fresh.text().await.unwrap());
        // A taken username is said: usernames are public (every account has its page).
        let name = register("127.0.2.3", "alice", "other@example.org")
            .await
            .unwrap();
        assert_eq!(name.status(), 409);
        let detail = name.json::<Value>().await.unwrap()["detail"].to_string();
        assert!(!detail.to_lowercase().contains("mail"), "{detail}");
        // Nothing was made for the taken address: one user per address still.
        let (status, _) = inst.get_json(&root, "/api/v1/accounts/newbie1").await;
        assert_eq!(status, 404);

        // The form: the same page either way.
        let signup = |from: &str, name: &str, email: &str| {
            browser_from(from)
                .post(format!("{}/signup", inst.url))
                .form(&[
                    ("username", name),
                    ("email", email),
                    ("password", "long-enough"),
                ])
                .send()
        };
        let taken = signup("127.0.2.4", "newbie3", "alice@example.org")
            .await
            .unwrap();
        let fresh = signup("127.0.2.5", "newbie4", "fresh4@example.org")
            .await
            .unwrap();
        assert_eq!(taken.status(), fresh.status());
        assert_eq!(taken.status(), 200);
        let (taken, fresh) = (taken.text().await.unwrap(), fresh.text().await.unwrap());
        assert_eq!(taken, fresh);
        assert!(taken.contains("Your account is ready"));
        inst.stop().await;

        // By approval: the request with a taken address is filed like any other, and its author
        // logging in is told it waits for a moderator, like any other.
        let inst = Instance::start(
            db,
            &[
                ("RUCHE_SIGNUP_ENABLED", "true"),
                ("RUCHE_SIGNUP_REQUIRES_APPROVAL", "true"),
            ],
        )
        .await;
        let root = inst.root_token().await;
        make_user(&inst, &root, "alice", "alice-secret").await;
        let request = |from: &str, name: &str, email: &str| {
            browser_from(from)
                .post(format!("{}/api/v1/users/registrations/request", inst.url))
                .json(&json!({ "username": name, "email": email, "password": "long-enough", "registrationReason": "I film birds" }))
                .send()
        };
        let taken = request("127.0.2.6", "hopeful1", "alice@example.org")
            .await
            .unwrap();
        let fresh = request("127.0.2.7", "hopeful2", "hopeful2@example.org")
            .await
            .unwrap();
        assert_eq!(taken.status(), 200);
        assert_eq!(fresh.status(), 200);
        let (mut taken, mut fresh): (Value, Value) =
            (taken.json().await.unwrap(), fresh.json().await.unwrap());
        taken["id"] = Value::Null;
        fresh["id"] = Value::Null;
        assert_eq!(taken, fresh);
        for name in ["hopeful1", "hopeful2"] {
            let res = form_login(&browser_from("127.0.2.8"), &inst, name, "long-enough")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401);
            assert!(
                res.text()
                    .await
                    .unwrap()
                    .contains("waiting for a moderator")
            );
        }
        inst.stop().await;
    }
);

both!(sign_ups_are_limited_per_address, |db| async move {
    // PeerTube's default: two sign-ups per address in five minutes; refused ones are free.
    let inst = Instance::start(db, &[("RUCHE_SIGNUP_ENABLED", "true")]).await;
    let from = browser_from("127.0.3.1");
    let register = |name: &str| {
        from.post(format!("{}/api/v1/users/register", inst.url))
                .json(&json!({ "username": name, "email": format!("{name}@example.org"), "password": "long-enough" }))
                .send()
    };
    let bad = from
        .post(format!("{}/api/v1/users/register", inst.url))
        .json(&json!({ "username": "x", "email": "not-an-address", "password": "long-enough" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(register("first").await.unwrap().status(), 204);
    assert_eq!(register("second").await.unwrap().status(), 204);
    let third = register("third").await.unwrap();
    assert_eq!(third.status(), 429);
    retry_after(&third);
    // The form says so in the visitor's language.
    let res = from
        .post(format!("{}/signup", inst.url))
        .header("Accept-Language", "fr")
        .form(&[
            ("username", "fourth"),
            ("email", "fourth@example.org"),
            ("password", "long-enough"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    retry_after(&res);
    assert!(res.text().await.unwrap().contains("Trop d’inscriptions"));
    // Another address is not affected.
    let other = browser_from("127.0.3.2")
            .post(format!("{}/api/v1/users/register", inst.url))
            .json(&json!({ "username": "fifth", "email": "fifth@example.org", "password": "long-enough" }))
            .send()
            .await
            .unwrap();
    assert_eq!(other.status(), 204);
    inst.stop().await;
});

both!(next_stays_on_our_origin, |db| async move {
    let inst = Instance::start(db, &[]).await;
    let password = inst.password.clone();
    // Posted back by the form after a real login.
    for (next, expected) in [
        ("/my-videos?x=1", "/my-videos?x=1"),
        ("//evil.example/x", "/"),
        ("/\\evil.example/x", "/"),
        ("/\t/evil.example/x", "/"),
        ("https://evil.example/x", "/"),
        ("/\n/evil.example/x", "/"),
        // A newline is dropped as a browser drops it: a path of ours, never a header.
        ("/\r\nSet-Cookie: pwned=1", "/Set-Cookie:%20pwned=1"),
        ("javascript:alert(document.cookie)", "/"),
    ] {
        let browser = inst.browser();
        let res = browser
            .post(format!("{}/login", inst.url))
            .form(&[
                ("username", "root"),
                ("password", password.as_str()),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{next:?}");
        let location = res.headers()["location"].to_str().unwrap();
        assert_eq!(location, expected, "{next:?}");
        assert!(res.headers().get("set-cookie").is_some());
        assert!(
            !res.headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().contains("pwned")),
            "{next:?}"
        );
    }
    // The login page carries only a path of ours on to the form: the attack's own URL.
    for raw in [
        "/%09/evil.example/x",
        "//evil.example",
        "/%5Cevil.example",
        "https:%2F%2Fevil.example",
        "%0d%0a//evil.example",
        "javascript:alert(1)",
    ] {
        let page = inst
            .page(&inst.browser(), &format!("/login?next={raw}"))
            .await;
        assert!(
            page.contains(r#"name="next" value="/""#),
            "{raw}: {}",
            page.lines()
                .find(|l| l.contains("name=\"next\""))
                .unwrap_or_default()
        );
    }
    // Sent to the login page from a page of ours, the way back is encoded.
    let res = inst
        .browser()
        .get(format!("{}/upload", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login?next=%2Fupload");
    // The language switch goes back only to a page of ours.
    let res = inst
        .browser()
        .get(format!("{}/lang/fr", inst.url))
        .header("Referer", "https://evil.example//evil.example/x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
    let res = inst
        .browser()
        .get(format!("{}/lang/fr", inst.url))
        .header("Referer", format!("{}/my-videos", inst.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/my-videos");
    inst.stop().await;
});
