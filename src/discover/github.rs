//! `check --approvals-from-github`: which people approved the pull request on its head commit,
//! from GitHub's REST API (`GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews`, every page).
//! A contract marker's `approved-by` names count only if they are among them. Nothing here
//! judges a marker; the contract check compares names.

use std::time::Duration;

use serde::Deserialize;

/// What the request needs, from the environment of a GitHub Actions job.
#[derive(Debug, Clone)]
pub struct ReviewQuery {
    /// `GITHUB_API_URL`, e.g. `https://api.github.com`.
    pub api_url: String,
    /// `GITHUB_REPOSITORY`: `owner/repo`.
    pub repository: String,
    pub pull_number: u64,
    /// The pull request's head commit: approvals of older commits do not count.
    pub head_sha: String,
    pub token: String,
}

#[derive(Deserialize)]
struct Review {
    user: Option<User>,
    state: String,
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

/// A review's effect on whether its author approves the pull request: a comment changes
/// nothing, a later request for changes or a dismissal withdraws an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Approved,
    Withdrawn,
}

/// At most this many pages (of 100 reviews) are read; a pull request with more is an error.
const MAX_PAGES: usize = 100;

/// The logins whose latest verdict on the pull request is an approval of `head_sha`.
pub fn approving_reviewers(query: &ReviewQuery) -> Result<Vec<String>, String> {
    let (owner, repo) = query
        .repository
        .split_once('/')
        .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
        .ok_or_else(|| format!("GITHUB_REPOSITORY `{}` is not owner/repo", query.repository))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut url = Some(format!(
        "{}/repos/{owner}/{repo}/pulls/{}/reviews?per_page=100",
        query.api_url.trim_end_matches('/'),
        query.pull_number
    ));
    // In the order GitHub returns them: oldest first.
    let mut latest: Vec<(String, Verdict, Option<String>)> = Vec::new();
    let mut pages = 0;
    while let Some(current) = url.take() {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(format!(
                "more than {MAX_PAGES} pages of reviews at {current}; not read"
            ));
        }
        let mut response = agent
            .get(&current)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", "rollsafe")
            .header("Authorization", &format!("Bearer {}", query.token))
            .call()
            .map_err(|e| format!("GET {current}: {e}"))?;
        let status = response.status().as_u16();
        let link = response
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let body = response
            .body_mut()
            .with_config()
            .limit(32 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("GET {current}: {e}"))?;
        if status != 200 {
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["message"].as_str().map(String::from))
                .unwrap_or_default();
            return Err(format!(
                "GitHub answered {status} to GET {current}{}",
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                }
            ));
        }
        let reviews: Vec<Review> = serde_json::from_str(&body)
            .map_err(|e| format!("GET {current}: not a list of reviews: {e}"))?;
        for review in reviews {
            let Some(user) = review.user else { continue };
            let verdict = match review.state.as_str() {
                "APPROVED" => Verdict::Approved,
                "CHANGES_REQUESTED" | "DISMISSED" => Verdict::Withdrawn,
                _ => continue,
            };
            latest.retain(|(login, _, _)| !login.eq_ignore_ascii_case(&user.login));
            latest.push((user.login, verdict, review.commit_id));
        }
        url = link.as_deref().and_then(next_link);
    }
    Ok(latest
        .into_iter()
        .filter(|(_, verdict, commit)| {
            *verdict == Verdict::Approved && commit.as_deref() == Some(query.head_sha.as_str())
        })
        .map(|(login, _, _)| login)
        .collect())
}

/// The `rel="next"` address of a `Link` header (RFC 8288), as GitHub paginates.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        let target = target.trim();
        (is_next && target.starts_with('<') && target.ends_with('>'))
            .then(|| target[1..target.len() - 1].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_next_link() {
        let h = "<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        assert_eq!(next_link("<https://a/x?page=1>; rel=\"prev\""), None);
    }
}
