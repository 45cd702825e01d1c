//! PeerTube's REST API (`/api/v1/…`): the routes and the JSON shapes of its objects, built from
//! our rows so that PeerTube clients read them unchanged
//! (see ../shared/fixtures/peertube-8.0.1/api/ for the real thing).

mod abuses;
mod blocklist;
pub(crate) mod body;
pub(crate) mod cache;
mod comments;
mod config;
mod directory;
mod editing;
mod follows;
mod history;
mod imports;
pub(crate) mod notifications;
pub(crate) mod openapi;
pub(crate) mod playlists;
mod profiles;
mod query;
mod search;
mod upload;
mod users;
mod video_blocks;
mod videos;
mod watched;

pub(crate) use profiles::picture_form;
pub(crate) use users::delete_user_with_media;

use crate::AppState;
use crate::error::ApiResult;
use crate::limits::{self, Kind};
use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};
use openapi::Table;
use ruche_domain::time::iso;
use ruche_domain::urls;
use ruche_domain::video::{category_label, language_label, licence_label};
use ruche_tube::accounts::{Account, Channel};
use ruche_tube::playback::PlayFile;
use ruche_tube::videos::{Video, VideoFile};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    table().into_router()
}

/// Every route of the API, with what the OpenAPI document says of it.
pub(crate) fn table() -> Table {
    use axum::routing::{delete, put};
    use openapi::Reply::{Json, List, Nothing, One};
    use openapi::Takes::{Body, Page, Plain, Upload};
    // An upload refused before its body was read: the connection is closed after the answer.
    let closing = || axum::middleware::map_response(upload::close_on_error);
    Table::default()
        .op(
            "GET",
            "/api/v1/config",
            "The instance's configuration",
            Plain,
            One("ServerConfig"),
            false,
            get(config::config),
        )
        .op(
            "GET",
            "/api/v1/config/about",
            "The instance's About",
            Plain,
            One("About"),
            false,
            get(config::about),
        )
        .op(
            "GET",
            "/api/v1/config/custom",
            "The configuration administrators edit",
            Plain,
            Json,
            true,
            get(config::custom),
        )
        .op(
            "PUT",
            "/api/v1/config/custom",
            "Change the configuration (administrators)",
            Body,
            Json,
            true,
            put(config::update_custom),
        )
        .op(
            "DELETE",
            "/api/v1/config/custom",
            "Back to the settings file's configuration (administrators)",
            Plain,
            Json,
            true,
            delete(config::reset_custom),
        )
        .op(
            "POST",
            "/api/v1/config/instance-avatar/pick",
            "The instance's avatar (administrators)",
            Upload,
            Nothing,
            true,
            post(config::pick_instance_avatar).layer(limits::body(Kind::Picture)),
        )
        .op(
            "DELETE",
            "/api/v1/config/instance-avatar",
            "Remove the instance's avatar (administrators)",
            Plain,
            Nothing,
            true,
            delete(config::delete_instance_avatar),
        )
        .op(
            "POST",
            "/api/v1/config/instance-banner/pick",
            "The instance's banner (administrators)",
            Upload,
            Nothing,
            true,
            post(config::pick_instance_banner).layer(limits::body(Kind::Picture)),
        )
        .op(
            "DELETE",
            "/api/v1/config/instance-banner",
            "Remove the instance's banner (administrators)",
            Plain,
            Nothing,
            true,
            delete(config::delete_instance_banner),
        )
        .op(
            "GET",
            "/api/v1/oauth-clients/local",
            "The local OAuth client",
            Plain,
            Json,
            false,
            get(users::oauth_client),
        )
        .op(
            "POST",
            "/api/v1/users/token",
            "Log in (password or refresh grant)",
            Body,
            Json,
            false,
            post(users::token),
        )
        .op(
            "POST",
            "/api/v1/users/revoke-token",
            "Log out",
            Plain,
            Nothing,
            true,
            post(users::revoke_token),
        )
        .op(
            "POST",
            "/api/v1/users",
            "Create a user (administrators)",
            Body,
            Json,
            true,
            post(users::create_user),
        )
        .op(
            "GET",
            "/api/v1/users",
            "Users (moderators)",
            Page,
            List("User"),
            true,
            get(users::list),
        )
        .op(
            "GET",
            "/api/v1/users/{id}",
            "A user (moderators)",
            Plain,
            One("User"),
            true,
            get(users::get_user),
        )
        .op(
            "PUT",
            "/api/v1/users/{id}",
            "Change a user: email, role, quotas, password (moderators for users, administrators for anyone)",
            Body,
            Nothing,
            true,
            put(users::update_user),
        )
        .op(
            "DELETE",
            "/api/v1/users/{id}",
            "Delete a user and all they made, told to other instances (moderators for users, administrators for anyone but root)",
            Plain,
            Nothing,
            true,
            delete(users::delete_user),
        )
        .op(
            "POST",
            "/api/v1/users/{id}/block",
            "Ban a user: their tokens and sessions end",
            Body,
            Nothing,
            true,
            post(users::ban),
        )
        .op(
            "POST",
            "/api/v1/users/{id}/unblock",
            "Unban a user",
            Plain,
            Nothing,
            true,
            post(users::unban),
        )
        .op(
            "GET",
            "/api/v1/server/audit-logs",
            "The audit log of moderators' and administrators' actions (administrators)",
            Plain,
            Json,
            true,
            get(users::audit_logs),
        )
        .op(
            "GET",
            "/api/v1/users/me",
            "The current user",
            Plain,
            One("User"),
            true,
            get(users::me),
        )
        .op(
            "PUT",
            "/api/v1/users/me",
            "Change the current user",
            Body,
            Nothing,
            true,
            put(users::update_me),
        )
        .op(
            "DELETE",
            "/api/v1/users/me",
            "Delete the current user's account and all they made, told to other instances",
            Plain,
            Nothing,
            true,
            delete(users::delete_me),
        )
        .op(
            "GET",
            "/api/v1/users/me/video-quota-used",
            "The current user's quota used",
            Plain,
            Json,
            true,
            get(users::quota_used),
        )
        .op(
            "GET",
            "/api/v1/users/me/videos/imports",
            "The current user's video imports",
            Page,
            List("VideoImport"),
            true,
            get(imports::mine),
        )
        .op(
            "POST",
            "/api/v1/videos/imports",
            "Import a video from a URL",
            Body,
            One("VideoImport"),
            true,
            post(imports::create),
        )
        .op(
            "POST",
            "/api/v1/video-channel-syncs",
            "Synchronise another site's channel into one of ours",
            Body,
            Json,
            true,
            post(imports::create_sync),
        )
        .op(
            "DELETE",
            "/api/v1/video-channel-syncs/{id}",
            "Stop a channel synchronisation",
            Plain,
            Nothing,
            true,
            delete(imports::delete_sync),
        )
        .op(
            "POST",
            "/api/v1/video-channel-syncs/{id}/sync",
            "Run a channel synchronisation now",
            Plain,
            Nothing,
            true,
            post(imports::sync_now),
        )
        .op(
            "GET",
            "/api/v1/accounts/{name}/video-channel-syncs",
            "An account's channel synchronisations",
            Page,
            Json,
            true,
            get(imports::account_syncs),
        )
        .op(
            "POST",
            "/api/v1/video-channels/{handle}/import-videos",
            "Import every video of another site's channel",
            Body,
            Nothing,
            true,
            post(imports::import_videos),
        )
        .op(
            "POST",
            "/api/v1/videos/imports/{id}/cancel",
            "Cancel a pending video import",
            Plain,
            Nothing,
            true,
            post(imports::cancel),
        )
        .op(
            "DELETE",
            "/api/v1/videos/imports/{id}",
            "Forget a video import",
            Plain,
            Nothing,
            true,
            delete(imports::remove),
        )
        .op(
            "GET",
            "/api/v1/users/me/videos",
            "The current user's videos",
            Page,
            List("Video"),
            true,
            get(videos::my_videos),
        )
        .op(
            "POST",
            "/api/v1/users/register",
            "Sign up",
            Body,
            Nothing,
            false,
            post(users::register),
        )
        .op(
            "POST",
            "/api/v1/users/registrations/request",
            "Ask to sign up",
            Body,
            Json,
            false,
            post(users::request_registration),
        )
        .op(
            "GET",
            "/api/v1/users/registrations",
            "Registration requests (moderators)",
            Page,
            List("Registration"),
            true,
            get(users::registrations),
        )
        .op(
            "POST",
            "/api/v1/users/registrations/{id}/accept",
            "Accept a registration",
            Body,
            Nothing,
            true,
            post(users::accept_registration),
        )
        .op(
            "POST",
            "/api/v1/users/registrations/{id}/reject",
            "Reject a registration",
            Body,
            Nothing,
            true,
            post(users::reject_registration),
        )
        .op(
            "POST",
            "/api/v1/video-channels",
            "Create a channel",
            Body,
            Json,
            true,
            post(users::create_channel),
        )
        .op(
            "GET",
            "/api/v1/video-channels/{handle}",
            "A channel",
            Plain,
            One("VideoChannel"),
            false,
            get(users::channel),
        )
        .op(
            "PUT",
            "/api/v1/video-channels/{handle}",
            "Change a channel",
            Body,
            Nothing,
            true,
            put(profiles::update_channel),
        )
        .op(
            "DELETE",
            "/api/v1/video-channels/{handle}",
            "Delete a channel",
            Plain,
            Nothing,
            true,
            delete(profiles::delete_channel),
        )
        .op(
            "POST",
            "/api/v1/users/me/avatar/pick",
            "Set the current user's avatar",
            Upload,
            Json,
            true,
            post(profiles::pick_my_avatar).layer(limits::body(Kind::Picture)),
        )
        .op(
            "DELETE",
            "/api/v1/users/me/avatar",
            "Remove the current user's avatar",
            Plain,
            Nothing,
            true,
            delete(profiles::delete_my_avatar),
        )
        .op(
            "POST",
            "/api/v1/video-channels/{handle}/{which}/pick",
            "Set a channel's avatar or banner",
            Upload,
            Json,
            true,
            post(profiles::pick_channel_picture).layer(limits::body(Kind::Picture)),
        )
        .op(
            "DELETE",
            "/api/v1/video-channels/{handle}/{which}",
            "Remove a channel's avatar or banner",
            Plain,
            Nothing,
            true,
            delete(profiles::delete_channel_picture),
        )
        .op(
            "GET",
            "/api/v1/video-channels/{handle}/videos",
            "A channel's videos",
            Page,
            List("Video"),
            false,
            get(videos::channel_videos),
        )
        .op(
            "GET",
            "/api/v1/accounts/{name}",
            "An account",
            Plain,
            One("Account"),
            false,
            get(users::account),
        )
        .op(
            "GET",
            "/api/v1/accounts/{name}/videos",
            "An account's videos",
            Page,
            List("Video"),
            false,
            get(videos::account_videos),
        )
        .op(
            "GET",
            "/api/v1/accounts/{name}/video-channels",
            "An account's channels",
            Plain,
            List("VideoChannel"),
            false,
            get(users::account_channels),
        )
        .op(
            "GET",
            "/api/v1/server/following",
            "Instances this one follows",
            Page,
            Json,
            false,
            get(follows::following),
        )
        .op(
            "POST",
            "/api/v1/server/following",
            "Follow instances or channels (administrators)",
            Body,
            Nothing,
            true,
            post(follows::follow),
        )
        .op(
            "POST",
            "/api/v1/server/following/copy",
            "Copy another instance's follows",
            Body,
            Json,
            true,
            post(follows::copy),
        )
        .op(
            "DELETE",
            "/api/v1/server/following/{target}",
            "Stop following",
            Plain,
            Nothing,
            true,
            delete(follows::unfollow),
        )
        .op(
            "GET",
            "/api/v1/server/followers",
            "Instances following this one",
            Page,
            Json,
            false,
            get(follows::followers),
        )
        .op(
            "DELETE",
            "/api/v1/server/followers/{handle}",
            "Remove a follower",
            Plain,
            Nothing,
            true,
            delete(follows::remove_follower),
        )
        .op(
            "POST",
            "/api/v1/server/followers/{handle}/{action}",
            "Accept or reject a follower",
            Plain,
            Nothing,
            true,
            post(follows::decide),
        )
        .op(
            "GET",
            "/api/v1/users/me/subscriptions",
            "The current user's subscriptions",
            Page,
            List("VideoChannel"),
            true,
            get(follows::subscriptions),
        )
        .op(
            "POST",
            "/api/v1/users/me/subscriptions",
            "Subscribe to a channel",
            Body,
            Nothing,
            true,
            post(follows::subscribe),
        )
        .op(
            "GET",
            "/api/v1/users/me/subscriptions/exist",
            "Whether the current user follows channels",
            Plain,
            Json,
            true,
            get(follows::subscriptions_exist),
        )
        .op(
            "DELETE",
            "/api/v1/users/me/subscriptions/{handle}",
            "Unsubscribe from a channel",
            Plain,
            Nothing,
            true,
            delete(follows::unsubscribe),
        )
        .op(
            "GET",
            "/api/v1/videos",
            "Videos",
            Page,
            List("Video"),
            false,
            get(videos::list),
        )
        .op(
            "GET",
            "/api/v1/search/videos",
            "Search videos",
            Page,
            List("Video"),
            false,
            get(search::videos),
        )
        .op(
            "GET",
            "/api/v1/search/video-channels",
            "Search channels",
            Page,
            List("VideoChannel"),
            false,
            get(search::channels),
        )
        .op(
            "GET",
            "/api/v1/search/video-playlists",
            "Search playlists",
            Page,
            List("VideoPlaylist"),
            false,
            get(playlists::search),
        )
        .op(
            "GET",
            "/api/v1/video-playlists",
            "Playlists",
            Page,
            List("VideoPlaylist"),
            false,
            get(playlists::list),
        )
        .op(
            "POST",
            "/api/v1/video-playlists",
            "Create a playlist",
            Body,
            Json,
            true,
            post(playlists::create.layer(limits::body(Kind::Profile))),
        )
        .op(
            "GET",
            "/api/v1/video-playlists/privacies",
            "Playlist privacies",
            Plain,
            Json,
            false,
            get(playlists::privacies),
        )
        .op(
            "GET",
            "/api/v1/video-playlists/{id}",
            "A playlist",
            Plain,
            One("VideoPlaylist"),
            false,
            get(playlists::get),
        )
        .op(
            "PUT",
            "/api/v1/video-playlists/{id}",
            "Change a playlist",
            Body,
            Nothing,
            true,
            put(playlists::update.layer(limits::body(Kind::Profile))),
        )
        .op(
            "DELETE",
            "/api/v1/video-playlists/{id}",
            "Delete a playlist",
            Plain,
            Nothing,
            true,
            delete(playlists::remove),
        )
        .op(
            "GET",
            "/api/v1/video-playlists/{id}/videos",
            "A playlist's elements",
            Page,
            List("VideoPlaylistElement"),
            false,
            get(playlists::elements),
        )
        .op(
            "POST",
            "/api/v1/video-playlists/{id}/videos",
            "Add a video to a playlist",
            Body,
            Json,
            true,
            post(playlists::add),
        )
        .op(
            "POST",
            "/api/v1/video-playlists/{id}/videos/reorder",
            "Reorder a playlist",
            Body,
            Nothing,
            true,
            post(playlists::reorder),
        )
        .op(
            "PUT",
            "/api/v1/video-playlists/{id}/videos/{element}",
            "Change an element's times",
            Body,
            Nothing,
            true,
            put(playlists::update_element),
        )
        .op(
            "DELETE",
            "/api/v1/video-playlists/{id}/videos/{element}",
            "Remove an element",
            Plain,
            Nothing,
            true,
            delete(playlists::remove_element),
        )
        .op(
            "GET",
            "/api/v1/users/me/video-playlists/videos-exist",
            "Where videos are in the current user's playlists",
            Plain,
            Json,
            true,
            get(playlists::videos_exist),
        )
        .op(
            "GET",
            "/api/v1/accounts/{name}/video-playlists",
            "An account's playlists",
            Page,
            List("VideoPlaylist"),
            false,
            get(playlists::of_account),
        )
        .op(
            "GET",
            "/api/v1/video-channels/{handle}/video-playlists",
            "A channel's playlists",
            Page,
            List("VideoPlaylist"),
            false,
            get(playlists::of_channel),
        )
        .op(
            "PUT",
            "/api/v1/videos/{id}/rate",
            "Rate a video",
            Body,
            Nothing,
            true,
            put(videos::rate),
        )
        .op(
            "POST",
            "/api/v1/videos/{id}/token",
            "A token to a video's files",
            Plain,
            Json,
            false,
            post(videos::file_token),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}/comment-threads",
            "A video's comment threads",
            Page,
            List("VideoComment"),
            false,
            get(comments::threads),
        )
        .op(
            "POST",
            "/api/v1/videos/{id}/comment-threads",
            "Start a comment thread",
            Body,
            Json,
            true,
            post(comments::add_thread),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}/comment-threads/{thread}",
            "A comment thread",
            Plain,
            One("VideoCommentThreadTree"),
            false,
            get(comments::thread),
        )
        .op(
            "POST",
            "/api/v1/videos/{id}/comments/{comment}",
            "Reply to a comment",
            Body,
            Json,
            true,
            post(comments::reply),
        )
        .op(
            "DELETE",
            "/api/v1/videos/{id}/comments/{comment}",
            "Delete a comment",
            Plain,
            Nothing,
            true,
            delete(comments::delete),
        )
        .op(
            "GET",
            "/api/v1/users/me/blocklist/accounts",
            "The current user's blocked accounts",
            Page,
            Json,
            true,
            get(blocklist::my_accounts),
        )
        .op(
            "POST",
            "/api/v1/users/me/blocklist/accounts",
            "Block an account (the current user's blocklist)",
            Body,
            Nothing,
            true,
            post(blocklist::my_block_account),
        )
        .op(
            "DELETE",
            "/api/v1/users/me/blocklist/accounts/{name}",
            "Unblock an account (the current user's blocklist)",
            Plain,
            Nothing,
            true,
            delete(blocklist::my_unblock_account),
        )
        .op(
            "GET",
            "/api/v1/users/me/blocklist/servers",
            "The current user's blocked instances",
            Page,
            Json,
            true,
            get(blocklist::my_servers),
        )
        .op(
            "POST",
            "/api/v1/users/me/blocklist/servers",
            "Block an instance (the current user's blocklist)",
            Body,
            Nothing,
            true,
            post(blocklist::my_block_server),
        )
        .op(
            "DELETE",
            "/api/v1/users/me/blocklist/servers/{host}",
            "Unblock an instance (the current user's blocklist)",
            Plain,
            Nothing,
            true,
            delete(blocklist::my_unblock_server),
        )
        .op(
            "GET",
            "/api/v1/server/blocklist/accounts",
            "The instance's blocked accounts",
            Page,
            Json,
            true,
            get(blocklist::server_accounts),
        )
        .op(
            "POST",
            "/api/v1/server/blocklist/accounts",
            "Block an account (the instance's blocklist)",
            Body,
            Nothing,
            true,
            post(blocklist::server_block_account),
        )
        .op(
            "DELETE",
            "/api/v1/server/blocklist/accounts/{name}",
            "Unblock an account (the instance's blocklist)",
            Plain,
            Nothing,
            true,
            delete(blocklist::server_unblock_account),
        )
        .op(
            "GET",
            "/api/v1/server/blocklist/servers",
            "The instance's blocked instances",
            Page,
            Json,
            true,
            get(blocklist::server_servers),
        )
        .op(
            "POST",
            "/api/v1/server/blocklist/servers",
            "Block an instance (the instance's blocklist)",
            Body,
            Nothing,
            true,
            post(blocklist::server_block_server),
        )
        .op(
            "DELETE",
            "/api/v1/server/blocklist/servers/{host}",
            "Unblock an instance (the instance's blocklist)",
            Plain,
            Nothing,
            true,
            delete(blocklist::server_unblock_server),
        )
        .op(
            "POST",
            "/api/v1/server/blocklist/servers/import",
            "Block a list of instances, one host per line, all or none",
            Body,
            Json,
            true,
            post(blocklist::import),
        )
        .op(
            "GET",
            "/api/v1/blocklist/status",
            "Whether accounts and instances are blocked",
            Plain,
            Json,
            false,
            get(blocklist::status),
        )
        .op(
            "POST",
            "/api/v1/abuses",
            "Report a video, a comment or an account",
            Body,
            Json,
            true,
            post(abuses::report),
        )
        .op(
            "GET",
            "/api/v1/abuses",
            "Every abuse report (moderators)",
            Page,
            List("Abuse"),
            true,
            get(abuses::all),
        )
        .op(
            "PUT",
            "/api/v1/abuses/{id}",
            "Accept or reject an abuse report (moderators)",
            Body,
            Nothing,
            true,
            put(abuses::decide),
        )
        .op(
            "DELETE",
            "/api/v1/abuses/{id}",
            "Delete an abuse report (moderators)",
            Plain,
            Nothing,
            true,
            delete(abuses::delete),
        )
        .op(
            "GET",
            "/api/v1/users/me/notifications",
            "The current user's notifications",
            Page,
            List("UserNotification"),
            true,
            get(notifications::list),
        )
        .op(
            "POST",
            "/api/v1/users/me/notifications/read",
            "Mark notifications read by their ids",
            Body,
            Nothing,
            true,
            post(notifications::read),
        )
        .op(
            "POST",
            "/api/v1/users/me/notifications/read-all",
            "Mark all of the current user's notifications read",
            Plain,
            Nothing,
            true,
            post(notifications::read_all),
        )
        .op(
            "PUT",
            "/api/v1/users/me/notification-settings",
            "Change the current user's notification settings",
            Body,
            Nothing,
            true,
            put(notifications::set_settings),
        )
        .op(
            "GET",
            "/api/v1/users/me/abuses",
            "The current user's abuse reports",
            Page,
            List("Abuse"),
            true,
            get(abuses::mine),
        )
        .op(
            "GET",
            "/api/v1/abuses/{id}/messages",
            "The messages of an abuse report",
            Plain,
            Json,
            true,
            get(abuses::messages),
        )
        .op(
            "POST",
            "/api/v1/abuses/{id}/messages",
            "Write on an abuse report",
            Body,
            Json,
            true,
            post(abuses::add_message),
        )
        .op(
            "DELETE",
            "/api/v1/abuses/{id}/messages/{message}",
            "Delete a message of an abuse report",
            Plain,
            Nothing,
            true,
            delete(abuses::delete_message),
        )
        .op(
            "GET",
            "/api/v1/watched-words/accounts/{name}/lists",
            "An account's watched words lists",
            Page,
            List("WatchedWordsList"),
            true,
            get(watched::account_lists),
        )
        .op(
            "POST",
            "/api/v1/watched-words/accounts/{name}/lists",
            "Add a watched words list to an account",
            Body,
            Json,
            true,
            post(watched::account_add),
        )
        .op(
            "PUT",
            "/api/v1/watched-words/accounts/{name}/lists/{list}",
            "Change an account's watched words list",
            Body,
            Nothing,
            true,
            put(watched::account_update),
        )
        .op(
            "DELETE",
            "/api/v1/watched-words/accounts/{name}/lists/{list}",
            "Delete an account's watched words list",
            Plain,
            Nothing,
            true,
            delete(watched::account_delete),
        )
        .op(
            "GET",
            "/api/v1/watched-words/server/lists",
            "The instance's watched words lists",
            Page,
            List("WatchedWordsList"),
            true,
            get(watched::server_lists),
        )
        .op(
            "POST",
            "/api/v1/watched-words/server/lists",
            "Add a watched words list to the instance",
            Body,
            Json,
            true,
            post(watched::server_add),
        )
        .op(
            "PUT",
            "/api/v1/watched-words/server/lists/{list}",
            "Change one of the instance's watched words lists",
            Body,
            Nothing,
            true,
            put(watched::server_update),
        )
        .op(
            "DELETE",
            "/api/v1/watched-words/server/lists/{list}",
            "Delete one of the instance's watched words lists",
            Plain,
            Nothing,
            true,
            delete(watched::server_delete),
        )
        .op(
            "GET",
            "/api/v1/automatic-tags/accounts/{name}/available",
            "The automatic tags an account's comments may get",
            Plain,
            Json,
            true,
            get(watched::account_available),
        )
        .op(
            "GET",
            "/api/v1/automatic-tags/server/available",
            "The automatic tags the instance gives",
            Plain,
            Json,
            true,
            get(watched::server_available),
        )
        .op(
            "GET",
            "/api/v1/automatic-tags/policies/accounts/{name}/comments",
            "The automatic tags an account holds comments for",
            Plain,
            Json,
            true,
            get(watched::comment_policies),
        )
        .op(
            "PUT",
            "/api/v1/automatic-tags/policies/accounts/{name}/comments",
            "Choose the automatic tags an account holds comments for",
            Body,
            Nothing,
            true,
            put(watched::set_comment_policies),
        )
        .op(
            "POST",
            "/api/v1/videos/{id}/comments/{comment}/approve",
            "Approve a comment held for review",
            Plain,
            Nothing,
            true,
            post(comments::approve),
        )
        .op(
            "GET",
            "/api/v1/users/me/videos/{id}/rating",
            "The current user's rating of a video",
            Plain,
            Json,
            true,
            get(videos::my_rating),
        )
        .op(
            "GET",
            "/api/v1/videos/categories",
            "Video categories",
            Plain,
            Json,
            false,
            get(videos::categories),
        )
        .op(
            "GET",
            "/api/v1/videos/licences",
            "Video licences",
            Plain,
            Json,
            false,
            get(videos::licences),
        )
        .op(
            "GET",
            "/api/v1/videos/languages",
            "Video languages",
            Plain,
            Json,
            false,
            get(videos::languages),
        )
        .op(
            "GET",
            "/api/v1/videos/privacies",
            "Video privacies",
            Plain,
            Json,
            false,
            get(videos::privacies),
        )
        .op(
            "POST",
            "/api/v1/videos/upload",
            "Upload a video",
            Upload,
            Json,
            true,
            post(upload::legacy)
                .layer(limits::body(Kind::Upload))
                .layer(closing()),
        )
        .op(
            "POST",
            "/api/v1/videos/upload-resumable",
            "Start a resumable upload",
            Upload,
            Json,
            true,
            post(upload::init).layer(closing()),
        )
        .op(
            "PUT",
            "/api/v1/videos/upload-resumable",
            "Send a chunk of a resumable upload",
            Upload,
            Json,
            true,
            put(upload::chunk.layer(limits::body(Kind::Upload))).layer(closing()),
        )
        .op(
            "DELETE",
            "/api/v1/videos/upload-resumable",
            "Cancel a resumable upload",
            Upload,
            Nothing,
            true,
            delete(upload::cancel).layer(closing()),
        )
        .op(
            "POST",
            "/api/v1/videos/{id}/source/replace-resumable",
            "Start replacing a video's file",
            Upload,
            Json,
            true,
            post(upload::replace_init).layer(closing()),
        )
        .op(
            "PUT",
            "/api/v1/videos/{id}/source/replace-resumable",
            "Send a chunk of a video's new file",
            Upload,
            Nothing,
            true,
            put(upload::replace_chunk.layer(limits::body(Kind::Upload))).layer(closing()),
        )
        .op(
            "DELETE",
            "/api/v1/videos/{id}/source/replace-resumable",
            "Cancel a replacement",
            Upload,
            Nothing,
            true,
            delete(upload::replace_cancel).layer(closing()),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}",
            "A video",
            Plain,
            One("VideoDetails"),
            false,
            get(videos::get),
        )
        .op(
            "DELETE",
            "/api/v1/videos/{id}",
            "Delete a video",
            Plain,
            Nothing,
            true,
            delete(videos::remove),
        )
        .op(
            "PUT",
            "/api/v1/videos/{id}",
            "Change a video",
            Body,
            Nothing,
            true,
            put(editing::update.layer(limits::body(Kind::Profile))),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}/passwords",
            "A video's passwords",
            Page,
            Json,
            true,
            get(editing::passwords),
        )
        .op(
            "PUT",
            "/api/v1/videos/{id}/passwords",
            "Set a video's passwords",
            Body,
            Nothing,
            true,
            put(editing::set_passwords),
        )
        .op(
            "DELETE",
            "/api/v1/videos/{id}/passwords/{password}",
            "Delete a video password",
            Plain,
            Nothing,
            true,
            delete(editing::delete_password),
        )
        .op(
            "POST",
            "/api/v1/videos/{id}/views",
            "Count a view",
            Body,
            Nothing,
            false,
            post(videos::view),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}/metadata/{file}",
            "A file's metadata",
            Plain,
            Json,
            false,
            get(videos::metadata),
        )
        .op(
            "GET",
            "/api/v1/jobs/pending",
            "Jobs waiting (administrators)",
            Page,
            Json,
            true,
            get(videos::pending_jobs),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}/storyboards",
            "A video's storyboards",
            Plain,
            Json,
            false,
            get(videos::storyboards),
        )
        .op(
            "GET",
            "/api/v1/videos/blacklist",
            "Blocked videos (moderators)",
            Page,
            List("VideoBlacklist"),
            true,
            get(video_blocks::list),
        )
        .op(
            "POST",
            "/api/v1/videos/{id}/blacklist",
            "Block a video (moderators)",
            Body,
            Nothing,
            true,
            post(video_blocks::block),
        )
        .op(
            "PUT",
            "/api/v1/videos/{id}/blacklist",
            "Change a video block's reason (moderators)",
            Body,
            Nothing,
            true,
            put(video_blocks::update),
        )
        .op(
            "DELETE",
            "/api/v1/videos/{id}/blacklist",
            "Unblock a video, or approve one that waits (moderators)",
            Plain,
            Nothing,
            true,
            delete(video_blocks::unblock),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}/description",
            "A video's description",
            Plain,
            Json,
            false,
            get(videos::description),
        )
        .op(
            "GET",
            "/api/v1/videos/{id}/source",
            "A video's source",
            Plain,
            Json,
            true,
            get(upload::source),
        )
        .op(
            "DELETE",
            "/api/v1/videos/{id}/source/file",
            "Delete a video's kept uploaded file",
            Plain,
            Nothing,
            true,
            delete(upload::delete_source_file),
        )
        .op(
            "GET",
            "/api/v1/accounts",
            "Every account known here",
            Page,
            List("Account"),
            false,
            get(directory::accounts),
        )
        .op(
            "GET",
            "/api/v1/video-channels",
            "Every channel known here",
            Page,
            List("VideoChannel"),
            false,
            get(directory::channels),
        )
        .op(
            "GET",
            "/api/v1/accounts/{name}/followers",
            "Who follows an account or its channels (owner, moderators)",
            Page,
            Json,
            true,
            get(directory::account_followers),
        )
        .op(
            "GET",
            "/api/v1/video-channels/{handle}/followers",
            "Who follows a channel (owner, moderators)",
            Page,
            Json,
            true,
            get(directory::channel_followers),
        )
        .op(
            "GET",
            "/api/v1/accounts/{name}/ratings",
            "An account's likes and dislikes (owner)",
            Page,
            Json,
            true,
            get(directory::ratings),
        )
        .op(
            "GET",
            "/api/v1/videos/comments",
            "The instance's comments (moderators)",
            Page,
            Json,
            true,
            get(comments::instance_comments),
        )
        .op(
            "PUT",
            "/api/v1/videos/{id}/watching",
            "Where the current user is in a video (their history)",
            Body,
            Nothing,
            true,
            put(history::watching),
        )
        .op(
            "GET",
            "/api/v1/users/me/history/videos",
            "What the current user watched, last first",
            Page,
            Json,
            true,
            get(history::list),
        )
        .op(
            "DELETE",
            "/api/v1/users/me/history/videos/{videoId}",
            "Forget a video of the current user's history",
            Plain,
            Nothing,
            true,
            delete(history::forget),
        )
        .op(
            "POST",
            "/api/v1/users/me/history/videos/remove",
            "Forget the current user's history up to a date",
            Body,
            Nothing,
            true,
            post(history::remove),
        )
        .op(
            "GET",
            "/api/v1/users/me/videos/comments",
            "The comments under the current user's videos",
            Page,
            Json,
            true,
            get(comments::my_videos_comments),
        )
}

fn id_label(id: Option<i64>, label: Option<&str>) -> Value {
    json!({ "id": id, "label": label.unwrap_or("Unknown") })
}

/// Avatars or banners as PeerTube's API lists them; another instance's are served from our copy.
pub(crate) fn pictures_json(base: &str, dir: &str, json: Option<&str>) -> Value {
    let list: Vec<Value> = ruche_tube::profiles::pictures(json)
        .into_iter()
        .map(|p| {
            let path = format!("/lazy-static/{dir}/{}", p.filename);
            json!({
                "height": p.height,
                "width": p.width,
                "fileUrl": format!("{base}{path}"),
                "path": path,
                "createdAt": iso(p.created_at),
                "updatedAt": iso(p.created_at),
            })
        })
        .collect();
    json!(list)
}

/// The path of a picture to show `width` pixels wide, from a JSON list of sizes.
pub(crate) fn picture_path(dir: &str, json: Option<&str>, width: u32) -> Option<String> {
    ruche_tube::profiles::pick(json, width).map(|p| format!("/lazy-static/{dir}/{}", p.filename))
}

/// Sets `followersCount` and `followingCount` of each account or channel of `list` (their JSON
/// made by [`account_json`] or [`channel_json`]) to the accepted follows of its actor, its
/// `url`: what its ActivityPub `followers` and `following` collections list. Read together.
pub(crate) async fn count_follows(st: &AppState, list: &mut [Value]) -> ApiResult<()> {
    let actors: Vec<String> = list
        .iter()
        .filter_map(|v| v["url"].as_str().map(str::to_string))
        .collect();
    let counts = ruche_tube::directory::follow_counts(&st.tube, &actors).await?;
    for v in list {
        let (followers, following) = v["url"]
            .as_str()
            .and_then(|u| counts.get(u))
            .copied()
            .unwrap_or_default();
        v["followersCount"] = json!(followers);
        v["followingCount"] = json!(following);
    }
    Ok(())
}

pub(crate) fn account_json(base: &str, host: &str, a: &Account) -> Value {
    json!({
        "url": a.actor_url(base),
        "name": a.name,
        "host": a.host.as_deref().unwrap_or(host),
        "avatars": pictures_json(base, "avatars", a.avatars.as_deref()),
        "id": a.id,
        "hostRedundancyAllowed": false,
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(a.created_at),
        "displayName": a.display_name,
        "description": a.description,
        "updatedAt": iso(a.updated_at),
        "userId": a.user_id,
    })
}

pub(crate) fn channel_json(base: &str, host: &str, c: &Channel, owner: Option<&Account>) -> Value {
    let mut v = json!({
        "url": c.actor_url(base),
        "name": c.name,
        "host": c.host.as_deref().unwrap_or(host),
        "avatars": pictures_json(base, "avatars", c.avatars.as_deref()),
        "id": c.id,
        "hostRedundancyAllowed": false,
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(c.created_at),
        "banners": pictures_json(base, "banners", c.banners.as_deref()),
        "displayName": c.display_name,
        "description": c.description,
        "support": c.support,
        "isLocal": c.host.is_none(),
        "updatedAt": iso(c.updated_at),
    });
    match owner {
        Some(a) => v["ownerAccount"] = account_json(base, host, a),
        None => v["ownerAccountId"] = json!(c.account_id),
    }
    v
}

fn video_account(v: &Video) -> Account {
    Account {
        id: v.account_id,
        user_id: v.user_id,
        name: v.account_name.clone(),
        host: v.account_host.clone(),
        display_name: v.account_display_name.clone(),
        description: v.account_description.clone(),
        created_at: v.account_created_at,
        updated_at: v.account_updated_at,
        url: v.account_url.clone(),
        avatars: v.account_avatars.clone(),
    }
}

fn video_channel(v: &Video) -> Channel {
    Channel {
        id: v.channel_id,
        account_id: v.account_id,
        name: v.channel_name.clone(),
        host: v.channel_host.clone(),
        display_name: v.channel_display_name.clone(),
        description: v.channel_description.clone(),
        support: v.channel_support.clone(),
        created_at: v.channel_created_at,
        updated_at: v.channel_updated_at,
        url: v.channel_url.clone(),
        avatars: v.channel_avatars.clone(),
        banners: None,
    }
}

pub(crate) use ruche_domain::ids::short_uuid;

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// PeerTube's `Video` (list items); `owner_view` adds Ruche's transcoding progress and error.
pub(crate) fn video_json(base: &str, host: &str, v: &Video, owner_view: bool) -> Value {
    let account = video_account(v);
    let channel = video_channel(v);
    let (state, privacy) = (v.state, v.privacy);
    let short = short_uuid(&v.uuid);
    let (thumbnail, preview) = ruche_tube::playback::pictures(v);
    let mut j = json!({
        "id": v.id,
        "uuid": v.uuid,
        "shortUUID": short,
        "url": v.url.clone().unwrap_or_else(|| urls::video(base, &v.uuid)),
        "name": v.name,
        "category": id_label(v.category, v.category.and_then(category_label)),
        "licence": id_label(v.licence, v.licence.and_then(licence_label)),
        "language": json!({ "id": v.language, "label": v.language.as_deref().and_then(language_label).unwrap_or("Unknown") }),
        "privacy": id_label(Some(privacy.id()), Some(privacy.label())),
        "nsfw": v.nsfw,
        "nsfwFlags": v.nsfw_flags,
        "nsfwSummary": v.nsfw_summary,
        "truncatedDescription": v.description.as_deref().map(|d| truncate(d, 250)),
        "description": v.description.as_deref().map(|d| truncate(d, 250)),
        "isLocal": v.is_local(),
        "duration": v.duration,
        "aspectRatio": v.aspect_ratio,
        "views": v.views,
        "viewers": 0,
        "downloads": v.downloads,
        "comments": v.comments,
        "likes": v.likes,
        "dislikes": v.dislikes,
        "thumbnails": thumbnails_json(base, thumbnail.as_deref(), preview.as_deref()),
        "thumbnailPath": thumbnail,
        "previewPath": preview,
        "embedPath": format!("/videos/embed/{short}"),
        "createdAt": iso(v.created_at),
        "updatedAt": iso(v.updated_at),
        "publishedAt": iso(v.published_at.unwrap_or(v.created_at)),
        "originallyPublishedAt": v.originally_published_at.map(iso),
        "isLive": false,
        "account": account_json(base, host, &account),
        "channel": channel_json(base, host, &channel, Some(&account)),
        "state": id_label(Some(state.id()), Some(state.label())),
        "waitTranscoding": v.wait_transcoding,
    });
    if owner_view {
        j["transcodingProgress"] = json!(v.progress);
        j["transcodingError"] = json!(v.failure_reason);
    }
    j
}

/// PeerTube 8.1's `thumbnails`: each picture of a video with its size, 16:9 as ours are made.
pub(crate) fn thumbnails_json(base: &str, thumbnail: Option<&str>, preview: Option<&str>) -> Value {
    use ruche_tube::playback::{PREVIEW_SIZE, THUMBNAIL_SIZE};
    let base = base.trim_end_matches('/');
    let list: Vec<Value> = [(thumbnail, THUMBNAIL_SIZE), (preview, PREVIEW_SIZE)]
        .into_iter()
        .filter_map(|(path, (w, h))| {
            path.map(|p| json!({ "width": w, "height": h, "aspectRatio": "16:9", "fileUrl": format!("{base}{p}") }))
        })
        .collect();
    json!(list)
}

fn file_json(f: &PlayFile, web: bool) -> Value {
    let (file_url, size) = match (&f.web_url, web) {
        (Some(w), true) => (w.clone(), f.web_size.unwrap_or(f.size)),
        _ => (f.url.clone(), f.size),
    };
    let mut j = json!({
        "id": f.id,
        "resolution": { "id": f.resolution, "label": if f.has_video { format!("{}p", f.resolution) } else { "Audio only".to_string() } },
        "width": f.width,
        "height": f.height,
        "size": size,
        "fps": f.fps,
        "fileUrl": file_url,
        "fileDownloadUrl": f.download_url,
        "metadataUrl": f.metadata_url,
        "hasAudio": f.has_audio,
        "hasVideo": f.has_video,
        "storage": 0,
    });
    if !web && let Some(p) = &f.playlist_url {
        j["playlistUrl"] = json!(p);
    }
    // Its torrent, as PeerTube gives it (PeerTube says null while it has none, which its own
    // schema refuses: we leave the fields out).
    if let Some(t) = if web { &f.web_torrent } else { &f.torrent } {
        j["magnetUri"] = json!(t.magnet);
        j["torrentUrl"] = json!(t.url);
        j["torrentDownloadUrl"] = json!(t.download_url);
    }
    j
}

/// The uploaded file as a `VideoFile` (its owner's view until transcoding is done).
pub(crate) fn source_file_json(base: &str, v: &Video, s: &ruche_tube::downloads::Source) -> Value {
    let base = base.trim_end_matches('/');
    let url = ruche_domain::urls::original_file(base, &v.uuid);
    let torrent = ruche_domain::urls::torrent(base, &s.torrent_filename);
    let f = PlayFile {
        id: 0,
        resolution: s.resolution,
        width: s.width,
        height: s.height,
        fps: s.fps.round() as i64,
        size: s.size,
        url: url.clone(),
        playlist_url: None,
        web_url: Some(url.clone()),
        web_size: Some(s.size),
        download_url: url,
        metadata_url: None,
        has_audio: s.has_audio,
        has_video: s.has_video,
        torrent: None,
        web_torrent: Some(ruche_tube::playback::Torrent {
            magnet: ruche_p2p::torrent::magnet(
                &torrent,
                &s.info_hash,
                &v.name,
                &urls::trackers(base),
                &[],
            ),
            download_url: ruche_domain::urls::torrent_download(base, &s.torrent_filename),
            url: torrent,
        }),
    };
    file_json(&f, true)
}

/// PeerTube's `VideoDetails`: the list shape plus description, tags, files and the HLS playlist.
pub(crate) fn video_details_json(
    base: &str,
    host: &str,
    v: &Video,
    files: &[VideoFile],
    owner_view: bool,
) -> Value {
    let mut j = video_json(base, host, v, owner_view);
    let tags: Vec<String> = serde_json::from_str(&v.tags).unwrap_or_default();
    j["description"] = json!(v.description);
    j["support"] = json!(v.support);
    j["tags"] = json!(tags);
    j["commentsEnabled"] = json!(v.comments_policy.accepts());
    j["commentsPolicy"] = json!({"id": v.comments_policy.id(), "label": v.comments_policy.label()});
    j["downloadEnabled"] = json!(v.download_enabled);
    j["embedPrivacyPolicy"] = json!({ "id": 1, "label": "All allowed" });
    j["inputFileUpdatedAt"] = Value::Null;
    j["blacklisted"] = json!(v.is_blocked());
    j["blacklistedReason"] = json!(v.block_reason);
    let play = ruche_tube::playback::of(base.trim_end_matches('/'), v, files);
    j["trackerUrls"] = json!(play.trackers);
    let web_files: Vec<Value> = play
        .files
        .iter()
        .filter(|f| f.web_url.is_some())
        .map(|f| file_json(f, true))
        .collect();
    j["files"] = json!(web_files);
    j["streamingPlaylists"] = match &play.master {
        Some(master) if !play.files.is_empty() => {
            json!([{
                "id": v.id,
                "type": 1,
                "playlistUrl": master,
                "segmentsSha256Url": play.segments_sha256,
                "redundancies": [],
                "files": play.files.iter().map(|f| file_json(f, false)).collect::<Vec<_>>(),
            }])
        }
        _ => json!([]),
    };
    j
}
