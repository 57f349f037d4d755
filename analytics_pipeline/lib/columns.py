"""The data dictionary: what every warehouse table, column and macro means, written once.

It feeds the DuckDB comments of the warehouse file (`lib/warehouse.py`), the Dagster column
schemas (`defs/metadata.py`) and `docs/tables.md` (`python -m analytics_pipeline.lib.table_docs`).
The meanings are metrics.md, player-events.md, outputs.md and providers.md, shortened. A daily
table's `date` column (its Hive key) is not listed among its columns: `date` says what it is.
"""

from __future__ import annotations

from typing import NamedTuple


class Table(NamedTuple):
    description: str
    grain: str
    columns: dict[str, str]
    date: str | None = None  # the meaning of the `date` partition key; None for a snapshot


class Macro(NamedTuple):
    signature: str
    description: str


EVENT_COLUMNS = {
    "event_id": "Unique id of the event; a repeated id is a duplicate delivery, kept once.",
    "event_type": "What happened: a playback type (view_start .. view_end) or an engagement type (save, share, click, skip).",
    "occurred_at": "Player clock when the event fired (UTC, ms precision).",
    "received_at": "Collector clock at receipt (UTC); null when the collector did not send it.",
    "session_id": "One playback of one video in one player; a view is a session_id, split after a 60-minute gap.",
    "viewer_id": "Stable anonymous client id (cookie or device storage).",
    "user_id": "Account id when the viewer was signed in, else null.",
    "video_id": "Platform video id, the key of video_catalog.",
    "position_s": "Playhead position when the event fired (seconds).",
    "from_position_s": "seek only: the playhead before the seek (seconds); position_s is where it landed.",
    "duration_s": "Media duration as the player saw it (seconds).",
    "playback_rate": "Playback rate the player reported (1.0 = normal speed); null when not sent (then the last rate seen, else 1).",
    "bitrate_kbps": "quality_change: the new rendition's bitrate (kbit/s).",
    "rendition": "quality_change: the new rendition, e.g. 1080p.",
    "error_code": "error: player or network error code.",
    "error_message": "error: free text from the player.",
    "error_fatal": "error: true when the error stopped playback; null when the player omitted it (then treated as fatal).",
    "user_agent": "Browser user agent as sent by the player.",
    "ip_hash": "Keyed HMAC-SHA256 of the client IP (32 hex characters); the clear IP is never stored.",
    "country": "ISO 3166-1 alpha-2 country the collector geo-located the client in.",
    "referrer": "URL of the page that embedded the player.",
    "player": "Player that sent the event: html5, bunny, cloudflare, youtube, ...",
    "properties": "Any other fields the player sent under properties, as JSON text.",
    "device_type": "Device class parsed from the user agent: desktop, mobile, tablet or bot.",
    "browser": "Browser family parsed from the user agent.",
    "os": "Operating system family parsed from the user agent.",
    "is_bot": "True when ua-parser classifies the user agent as a bot or spider.",
    "unknown_video": "True when video_id is missing from the catalog (kept and counted, not dropped).",
    "event_date": "UTC day of occurred_at: the day the event belongs to.",
    "arrival_date": "Arrival day: the landing folder (UTC date) the event arrived in.",
    "source_file": "Landing file the event was read from, e.g. landing/events/2026-06-16/a.jsonl.",
    "line_number": "Line of the event in its landing file (1-based).",
}

# metrics.md "Aggregates": one set of meanings for every grain (video, course, creator, platform, QoE).
AGGREGATE_COLUMNS = {
    "views": "Views that count: sessions with a playback event, bot views excluded.",
    "unique_viewers": "Distinct viewer_id among the views.",
    "engaged_views": "Views with watch_time_s >= min(30, 0.5 * duration_s).",
    "bot_views": "Views from bot user agents, excluded from every other figure.",
    "watch_time_s": "Sum of played range lengths of the views (content seconds; rewatches count again).",
    "avg_watch_time_s": "watch_time_s / views (seconds); null without views.",
    "content_watched_s": "Sum over views of the union of their played ranges (seconds, each second of a video at most once per view).",
    "completions": "Completed views (completion_ratio >= 0.9).",
    "completion_rate": "completions / views (0..1); null without views.",
    "unique_completers": "Distinct viewer_id among the completed views.",
    "avg_completion_ratio": "Mean completion_ratio over the views (0..1).",
    "saves": "save events of non-bot sessions, engagement-only sessions included.",
    "shares": "share events of non-bot sessions, engagement-only sessions included.",
    "clicks": "click events (click-through to the listing or course) of non-bot sessions.",
    "skips": "skip events (skipped in a feed) of non-bot sessions.",
    "engagement_rate": "(saves + shares + clicks) / views * 100 (percent); null without views.",
    "engagement_score": "clamp(0, 100, (40*completions + 30*saves + 20*shares + 10*clicks - 20*skips) / views); null without views.",
    "startup_time_ms_p50": "Median startup time of the views (ms, linear interpolation).",
    "startup_time_ms_p95": "95th percentile of the views' startup time (ms, linear interpolation).",
    "exits_before_start": "Views with a play attempt, no playing and no fatal error.",
    "ebvs_rate": "exits_before_start / views (0..1); null without views.",
    "startup_failures": "Views with a fatal error before the first playing.",
    "startup_failure_rate": "startup_failures / views (0..1); null without views.",
    "playback_failures": "Views with any fatal error.",
    "playback_failure_rate": "playback_failures / views (0..1); null without views.",
    "rebuffer_count": "Rebuffers of the views: buffer_start after the first playing, not within 2 s after a seek.",
    "rebuffer_s": "Time spent rebuffering (seconds).",
    "rebuffer_ratio": "rebuffer_s / (rebuffer_s + watch_time_s) (0..1); null when both are 0.",
    "rebuffers_per_minute": "rebuffer_count / (watch_time_s / 60); null without watch time.",
    "playback_success_score": "Mean playback_success_score (0-100) of the views that have one.",
    "startup_score": "Mean startup_score (0-100) of the views that have one.",
    "smoothness_score": "Mean smoothness_score (0-100) of the views that have one.",
    "experience_score": "Mean experience_score (0-100) of the views that have one.",
}

PEAK_CONCURRENT = "Largest number of views active at one instant of the day (a view is active from its first to its last event)."
VIDEOS_WATCHED = "Videos with at least one view that day."

PROGRESS_COLUMNS = {
    "learner_id": "The learner: the user_id of a signed-in viewer (one learner across devices), else the viewer_id.",
    "video_id": "Platform video id.",
    "viewer_id": "Stable anonymous client id (device) of the learner's latest view of the video.",
    "user_id": "Account id when signed in (the latest known), else null.",
    "last_position_s": "Playhead at the end of the learner's latest view of the video, on any device (seconds): where to resume.",
    "content_watched_s": "Length of the union of everything played, across all views and days (seconds).",
    "duration_s": "Video length (seconds): the catalog's, else the largest the views reported.",
    "progress_ratio": "min(1, content_watched_s / duration_s) (0..1).",
    "completed": "True when a view was completed or progress_ratio >= 0.9.",
    "first_watched_at": "Start of the learner's first view of the video (UTC).",
    "last_watched_at": "End of the learner's latest view of the video (UTC).",
    "views": "Counting, non-bot views of the video by the learner, all time.",
    "watch_time_s": "Played seconds of those views, rewatches counted again.",
    "watched_ranges": "Merged played intervals of the video, list of {start_s, end_s} (seconds).",
    "as_of_date": "Last day whose views are applied.",
}

LEARNER_COURSE_COLUMNS = {
    "learner_id": "The learner: user_id when signed in, else viewer_id.",
    "course_id": "Course id.",
    "lectures_total": "The course's lectures: its catalog videos that are not previews.",
    "lectures_started": "Lectures the learner has a counted view of.",
    "lectures_completed": "Lectures completed per viewer_progress (across devices).",
    "progress_pct": "lectures_completed / lectures_total * 100; null for a course without lectures.",
    "first_active_date": "Day of the learner's first counted view of the course (any of its videos, previews included).",
    "last_active_date": "Day of the learner's latest counted view of the course.",
    "active_days": "Days with a counted view of the course.",
    "watch_time_s": "Played seconds of the learner's views of the course (rewatches count again).",
    "next_lecture_id": "First lecture in course order (position, then published_at, then video_id) not completed; null when all are.",
    "status": "completed (every lecture completed), dropped (no activity for more than 30 days), at_risk (last "
              "activity 8 to 30 days ago, or progress_pct has not grown for the last 14 days), else active; the first that applies.",
    "completed_date": "Day the last lecture got completed; null while not every lecture is.",
    "progress_grew_on": "Last day progress_pct grew (first_active_date when it never did): at_risk when 14 or more days before as_of_date.",
    "days_inactive": "as_of_date - last_active_date (days).",
    "as_of_date": "Last day whose views are applied.",
}

PROVIDER_ID_COLUMNS = {
    "provider": "Provider that reported the figures: bunny or cloudflare.",
    "provider_video_id": "The provider's video id (Bunny guid, Cloudflare uid).",
    "video_id": "Our video id, through the catalog's provider_video_id; null when the catalog does not know it.",
}

TABLES: dict[str, Table] = {
    "events": Table(
        "Accepted, deduplicated player events by the UTC day they happened (IPs as keyed hashes).",
        "one accepted, deduplicated event", EVENT_COLUMNS, "UTC day the event happened (event_date)."),
    "event_arrivals": Table(
        "Accepted, deduplicated events as staged by the arrival day that brought them.",
        "one accepted event of an arrival day", EVENT_COLUMNS, "Arrival day (landing folder) that brought the event."),
    "events_quarantine": Table(
        "Rejected landing lines and files of an arrival day, each with its reason.", "one rejected line or file", {
            "arrival_date": "Arrival day: the landing folder (UTC date) the line came in.",
            "source_file": "Landing file, e.g. landing/events/2026-06-16/a.jsonl.",
            "line_number": "Line in the file (1-based); null for a whole-file fault.",
            "reason": "Why it was rejected: a code and a detail, e.g. missing_field: session_id, bad_file: ...",
            "raw": "The line as received (truncated to 64 KiB), IPs replaced by their keyed hash or masked.",
        }, "Arrival day of the line."),
    "ingest_audit": Table(
        "One row per landing file: lines read, accepted, duplicates, quarantined.", "one landing file", {
            "arrival_date": "Arrival day: the landing folder (UTC date) of the file.",
            "source_file": "Landing file, e.g. landing/events/2026-06-16/a.jsonl.",
            "file_bytes": "Size of the file (bytes).",
            "file_sha256": "SHA-256 of the file's bytes (hex); tells a redelivery from a new file.",
            "lines_read": "Non-blank lines read; lines_read = accepted + duplicates + quarantined.",
            "blank_lines": "Blank lines, ignored.",
            "accepted": "Events accepted.",
            "duplicates": "Lines dropped as repeated event_id deliveries.",
            "quarantined": "Lines sent to events_quarantine.",
            "late_events": "Accepted events that happened before the arrival day.",
            "unknown_video_events": "Accepted events whose video_id is missing from the catalog.",
            "file_error": "Whole-file fault (not gzip, truncated, unsupported name), else null.",
            "redelivery": "Note when a file of the same name or content was delivered before, else null.",
        }, "Arrival day of the file."),
    "arrival_event_days": Table(
        "Which event days each arrival day brought events for (drives late-data rebuilds).",
        "arrival day x event day", {
            "arrival_date": "Arrival day (landing folder).",
            "event_date": "UTC day the events happened.",
            "events": "Accepted events of that arrival day that happened on event_date.",
            "late": "True when event_date is before arrival_date.",
        }, "Arrival day."),
    "video_catalog": Table(
        "The platform's videos with course, creator and provider ids, merged with what providers know of them.",
        "one video", {
            "video_id": "Platform video id, as in events.",
            "title": "Video title.",
            "duration_s": "Media length (seconds).",
            "course_id": "Course the video belongs to (a lesson), else null.",
            "creator_id": "Who published it.",
            "is_preview": "True for a free preview video (excluded from popular_videos).",
            "provider": "Hosting provider: bunny, cloudflare, youtube, self.",
            "provider_video_id": "The provider's id of the video (Bunny guid, Cloudflare uid).",
            "published_at": "Publication time (UTC).",
            "course_title": "Course title from courses.csv, else null.",
            "creator_name": "Creator name from creators.csv, else null.",
            "source": "Where the row comes from: catalog (videos.csv) or bunny (a Bunny video the catalog lacks).",
            "position": "The lesson's order within its course (videos.csv position), else null: then published_at, then video_id order it.",
        }),
    "playback_sessions": Table(
        "One row per view: watch time, completion, startup, rebuffering, engagement.", "one view", {
            "view_id": "session_id, or <session_id>:<n> for the n-th view of a session split by a 60-minute gap.",
            "session_id": "Player session id the view comes from.",
            "view_seq": "Number of the view within its session (1, 2, ...).",
            "viewer_id": "Stable anonymous client id.",
            "user_id": "Account id when signed in, else null.",
            "learner_id": "The learner: user_id (the first in the view) when signed in, else viewer_id; one learner across devices.",
            "video_id": "Platform video id.",
            "course_id": "Course of the video (catalog), else null.",
            "creator_id": "Creator of the video (catalog), else null.",
            "started_at": "First event of the view (UTC).",
            "ended_at": "Last event of the view (UTC).",
            "wall_time_s": "ended_at - started_at (seconds).",
            "event_count": "Events in the view.",
            "counts_as_view": "True when the view has a playback event (engagement-only sessions are false).",
            "is_bot": "True when the user agent is a bot or spider: a bot view, excluded from every metric.",
            "duration_s": "Video length (seconds): the catalog's, else the largest the events reported.",
            "watch_time_s": "Sum of played range lengths (content seconds; a rewatch counts again).",
            "content_watched_s": "Length of the union of played ranges (seconds, each second at most once).",
            "completion_ratio": "min(1, content_watched_s / duration_s) (0..1).",
            "completed": "True when completion_ratio >= 0.9.",
            "startup_time_ms": "From the first view_start or play to the first playing (ms); null without both.",
            "exited_before_start": "True for a play attempt with no playing and no fatal error.",
            "startup_failed": "True for a fatal error before the first playing.",
            "playback_failed": "True for any fatal error.",
            "rebuffer_count": "buffer_start events after the first playing, not within 2 s after a seek.",
            "rebuffer_s": "Rebuffering time (seconds): each rebuffer to the next buffer_end, playing or last event.",
            "seek_count": "seek events, seeks less than 2 s apart counted as one.",
            "play_count": "play events.",
            "pause_count": "pause events.",
            "error_count": "error events.",
            "quality_change_count": "quality_change events.",
            "last_position_s": "Playhead at the view's last playback event (seconds).",
            "max_position_s": "Largest playhead position the view reported (seconds).",
            "saves": "save events of the view.",
            "shares": "share events of the view.",
            "clicks": "click events of the view.",
            "skips": "skip events of the view.",
            "engaged": "True when watch_time_s >= min(30, 0.5 * duration_s).",
            "device_type": "Device class parsed from the user agent.",
            "browser": "Browser family parsed from the user agent.",
            "os": "Operating system family parsed from the user agent.",
            "country": "ISO 3166-1 alpha-2 country of the client.",
            "player": "Player that sent the events.",
            "unknown_video": "True when video_id is missing from the catalog.",
            "playback_success_score": "0 when playback failed; 50 when it exited before start after at least 1 s (first to last event); null when it exited before start in under 1 s or has no playback event; else 100.",
            "startup_score": "100 * 8 / (8 + startup_time_ms / 1000); null without a startup time.",
            "smoothness_score": "For views that reached playing: mean of 100 / sqrt(1 + (rebuffer_count / 2)^2) and 100 * exp(-10 * rebuffer_s / (rebuffer_s + watch_time_s)); else null.",
            "experience_score": "null when playback_success_score is; it when below 100; else the mean of startup_score and smoothness_score (those not null).",
        }, "UTC day of the view's first event."),
    "played_ranges": Table(
        "One row per counted played range of a view, with the rendition in force.", "one played range of a view", {
            "view_id": "The view (playback_sessions.view_id).",
            "session_id": "Player session id of the view.",
            "viewer_id": "Stable anonymous client id.",
            "video_id": "Platform video id.",
            "range_start_s": "Playhead where the range starts (seconds).",
            "range_end_s": "Playhead where the range ends (seconds).",
            "played_s": "range_end_s - range_start_s (content seconds).",
            "rate": "Playback rate in force during the range.",
            "rendition": "Rendition in force (last quality_change), else null.",
            "bitrate_kbps": "Bitrate of that rendition (kbit/s), else null.",
            "from_at": "Time of the event that opens the range (UTC).",
            "to_at": "Time of the event that closes the range (UTC).",
        }, "UTC day of the view's first event."),
    "quality_changes": Table(
        "One row per quality_change event of a view: the rendition it switched from and to, and the direction.",
        "one quality_change event", {
            "view_id": "The view (playback_sessions.view_id).",
            "video_id": "Platform video id.",
            "occurred_at": "When the switch happened (UTC).",
            "position_s": "Playhead at the switch (seconds).",
            "from_rendition": "Rendition of the view's previous quality_change; null for its first.",
            "to_rendition": "Rendition switched to, e.g. 1080p.",
            "from_bitrate_kbps": "Bitrate of the previous quality_change (kbit/s); null for the first or when not sent.",
            "to_bitrate_kbps": "Bitrate switched to (kbit/s), else null.",
            "direction": "up, down or same: by bitrate when both are known, else by rendition height (720p < 1080p), "
                         "else same for the same rendition; null when the previous is unknown.",
        }, "UTC day of the view's first event."),
    "video_daily": Table(
        "Per video and day: views, uniques, watch time, completion, engagement, QoE, peak concurrency.", "video x day",
        {"video_id": "Platform video id.", "course_id": "Course of the video, else null.",
         "creator_id": "Creator of the video, else null.", **AGGREGATE_COLUMNS,
         "peak_concurrent_views": PEAK_CONCURRENT,
         "plays_started": "Views with a played range.",
         "reached_25": "Views one of whose played ranges contains 25 % of duration_s (start <= point <= end; a seek over it does not count).",
         "reached_50": "Views one of whose played ranges contains 50 % of duration_s.",
         "reached_75": "Views one of whose played ranges contains 75 % of duration_s.",
         "reached_95": "Views one of whose played ranges contains 95 % of duration_s.",
         "quality_switches": "quality_change events of the views with a known direction (up + down + same).",
         "up_switches": "Of those, switches to a higher bitrate (or rendition).",
         "down_switches": "Of those, switches to a lower bitrate (or rendition).",
         "up_switch_share": "up_switches / quality_switches (0..1); null without a switch.",
         "down_switch_share": "down_switches / quality_switches (0..1); null without a switch.",
         }, "UTC day of the views."),
    "course_daily": Table(
        "Per course and day: aggregates over its videos, most viewed and least completed video.", "course x day", {
            "course_id": "Course id.", **AGGREGATE_COLUMNS, "videos_watched": VIDEOS_WATCHED,
            "most_viewed_video_id": "Video with the most views (ties: more watch time, then smallest id).",
            "least_completed_video_id": "Video with the lowest completion rate among those viewed (ties: more views, then smallest id).",
            "learners_active": "Distinct learners with a counted view of the course that day.",
            "learners_new": "Learners whose first counted view of the course was that day.",
            "learners_at_risk": "Learners whose status in the course is at_risk as of that day (learner_course_progress).",
        }, "UTC day of the views."),
    "creator_daily": Table(
        "Per creator and day: aggregates over their videos and the top video by engagement score.", "creator x day", {
            "creator_id": "Creator id.", **AGGREGATE_COLUMNS, "videos_watched": VIDEOS_WATCHED,
            "top_video_id": "Video with the highest engagement_score that day.",
        }, "UTC day of the views."),
    "platform_daily": Table(
        "Per day: platform aggregates, completion buckets, peak concurrency, ingestion figures.", "day", {
            **AGGREGATE_COLUMNS,
            "videos_with_views": "Videos with at least one view.",
            "videos_completion_high": "Viewed videos with completion_rate > 75 %.",
            "videos_completion_medium": "Viewed videos with completion_rate 50-75 %.",
            "videos_completion_low": "Viewed videos with completion_rate < 50 %.",
            "peak_concurrent_views": PEAK_CONCURRENT + " Platform-wide.",
            "events_accepted": "Events accepted that happened on the day.",
            "duplicates": "Duplicate deliveries dropped from the files that arrived on the day.",
            "quarantined": "Lines quarantined from the files that arrived on the day.",
            "late_events": "Events that arrived on the day but happened before it.",
            "unknown_video_events": "Events of the files that arrived on the day whose video is missing from the catalog.",
            "new_viewers": "Viewers (viewer_id) whose first counted view ever is on the day.",
            "returning_viewers": "Viewers with a counted view on the day and one on an earlier day; new + returning = unique_viewers.",
        }, "UTC day."),
    "qoe_daily": Table(
        "Per day and device, browser, OS, country, player: views and quality of experience.",
        "day x device_type x browser x os x country x player", {
            "device_type": "Device class parsed from the user agent.",
            "browser": "Browser family parsed from the user agent.",
            "os": "Operating system family parsed from the user agent.",
            "country": "ISO 3166-1 alpha-2 country of the client.",
            "player": "Player that sent the events.",
            **AGGREGATE_COLUMNS,
        }, "UTC day of the views."),
    "rendition_daily": Table(
        "Per video, day and rendition: played seconds and their share of watch time.", "video x day x rendition", {
            "video_id": "Platform video id.",
            "rendition": "Rendition in force while playing, e.g. 1080p; unknown before any quality_change.",
            "views": "Views that played in this rendition.",
            "watch_time_s": "Seconds played in this rendition.",
            "share_of_watch_time": "watch_time_s / the video's watch_time_s that day (0..1).",
        }, "UTC day of the views."),
    "video_heatmap_daily": Table(
        "Per video, day and 10 s segment: views, watch time, drop-offs, retention.", "video x day x 10 s segment", {
            "video_id": "Platform video id.",
            "segment_index": "Segment number, 0 .. ceil(duration_s / 10) - 1; every segment present.",
            "segment_start_s": "Start of the segment (seconds): segment_index * 10.",
            "segment_end_s": "End of the segment (seconds): (segment_index + 1) * 10.",
            "views": "Views with a played range overlapping the segment (each view once).",
            "unique_viewers": "Distinct viewers of those views.",
            "watch_time_s": "Seconds played inside the segment (rewatches count again).",
            "drop_offs": "Views not completed whose last_position_s falls in the segment.",
            "retention_pct": "views / the video's views that day * 100 (percent).",
            "rewatch_s": "Played seconds inside the segment beyond each view's first play of each second (a view's watch time there minus its content watched there), summed.",
            "replay_views": "Views with rewatch_s > 0 in the segment.",
        }, "UTC day of the views."),
    "video_counters": Table(
        "Per video and day: views today, month to date and all time.", "video x day", {
            "video_id": "Platform video id.",
            "views_today": "Views of the day.",
            "counted_views_today": "Views of the day the seed counters count: none within 24 hours after the start of the same viewer's last counted view of the video.",
            "views_month_to_date": "Views from the first of the month up to and including the day.",
            "views_total": "Views of all time up to and including the day.",
        }, "UTC day."),
    "viewer_sessions": Table(
        "One row per visit: a viewer's views with no 30-minute gap, across videos.", "one visit", {
            "visit_id": "The visit's first view_id.",
            "viewer_id": "Stable anonymous client id.",
            "user_id": "Account id when signed in, else null.",
            "started_at": "First event of the visit (UTC).",
            "ended_at": "Last event of the visit (UTC).",
            "duration_s": "ended_at - started_at (seconds).",
            "videos_viewed": "Distinct videos with a counting view.",
            "views": "Counting views of the visit.",
            "completions": "Completed views of the visit.",
            "saves": "save events of the visit.",
            "shares": "share events of the visit.",
            "clicks": "click events of the visit.",
            "skips": "skip events of the visit.",
            "watch_time_s": "Played seconds of the visit's views.",
            "avg_watch_time_s": "watch_time_s / views (seconds); null without views.",
            "engagement_rate": "(saves + shares + clicks) / views * 100 (percent); null without views.",
        }, "UTC day of the visit's first event."),
    "viewer_progress": Table(
        "Per learner and video, as of the newest built day: resume position, progress, completion.",
        "learner x video, as of the last day processed", PROGRESS_COLUMNS),
    "viewer_progress_history": Table(
        "viewer_progress as it stood after each built day (the next day starts from it).",
        "learner x video x day", PROGRESS_COLUMNS, "The day the snapshot is as of (= as_of_date)."),
    "video_counted_views": Table(
        "The views the seed counters count: a viewer's view of a video counts again only 24 hours after their last counted one.",
        "one counted view (at most one per viewer, video and day)", {
            "view_id": "The view (playback_sessions.view_id).",
            "viewer_id": "Stable anonymous client id.",
            "video_id": "Platform video id.",
            "started_at": "First event of the view (UTC); the next view of the video by the viewer counts from 24 hours after it.",
        }, "UTC day of the view."),
    "viewer_first_views": Table(
        "Every viewer once, on the day of their first counted view ever (drives new vs returning viewers).",
        "one viewer", {
            "viewer_id": "Stable anonymous client id.",
            "first_view_at": "Start of the viewer's first counted view (UTC).",
        }, "UTC day of the viewer's first counted view."),
    "learner_course_progress": Table(
        "Per learner and course, as of the newest built day: lectures started and completed, progress, activity, status, next lecture.",
        "learner x course the learner has watched, as of the last day processed", LEARNER_COURSE_COLUMNS),
    "learner_course_progress_history": Table(
        "learner_course_progress as it stood after each built day (the next day starts from it).",
        "learner x course x day", LEARNER_COURSE_COLUMNS, "The day the snapshot is as of (= as_of_date)."),
    "course_attendance_weekly": Table(
        "Per course and ISO week (the current partial week included): learners enrolled and attending.",
        "course x ISO week", {
            "course_id": "Course id.",
            "week_start": "Monday of the ISO week.",
            "learners_enrolled": "Learners who started the course by the week's end and had not completed it before its Monday.",
            "learners_attending": "Enrolled learners with a counted view of the course that week.",
            "attendance_rate": "learners_attending / learners_enrolled (0..1).",
        }, "Monday of the ISO week (= week_start); rewritten by each built day of the week."),
    "course_cohorts": Table(
        "Per course, cohort week and week number: how many of a week's new learners are active each later week.",
        "course x cohort week x week number", {
            "course_id": "Course id.",
            "cohort_week": "Monday of the ISO week of the cohort's learners' first view of the course.",
            "week_number": "Weeks since cohort_week (0 = the cohort's own week).",
            "cohort_size": "Learners whose first view of the course fell in cohort_week.",
            "learners_active": "Of them, learners with a counted view of the course in week week_number.",
            "retention_pct": "learners_active / cohort_size * 100 (percent).",
        }, "Monday of the week the row counts activity for (cohort_week + 7 * week_number); rewritten by each built day of the week."),
    "learners_at_risk": Table(
        "The risk alert list: every learner whose status in a course is at_risk, the longest inactive first.",
        "learner x course with status at_risk, as of learner_course_progress's day", {
            "learner_id": "The learner: user_id when signed in, else viewer_id.",
            "course_id": "Course id.",
            "course_title": "Course title from courses.csv, else null.",
            "last_active_date": "Day of the learner's latest counted view of the course.",
            "days_inactive": "Days since last_active_date.",
            "progress_pct": "lectures_completed / lectures_total * 100.",
            "lectures_completed": "Lectures completed (across devices).",
            "lectures_total": "Lectures of the course.",
            "next_lecture_id": "First lecture in course order not completed: where to send the learner back.",
            "next_lecture_title": "Title of that lecture.",
            "as_of_date": "Day the statuses are as of.",
        }),
    "provider_video_daily": Table(
        "Views and watch time per provider, video and day, as the providers reported them.", "provider x video x day", {
            **PROVIDER_ID_COLUMNS,
            "views": "Views the provider counted; null when it does not count views (Cloudflare).",
            "watch_time_s": "Watch time the provider reported (seconds; Cloudflare minutes viewed * 60).",
            "player_events": "Cloudflare Stream Player playback events (sampled), else null.",
            "player_watch_time_s": "Cloudflare Stream Player time viewed (seconds, sampled), else null.",
            "engagement_score": "Bunny's engagement score (0..100) when its answer covers the day alone, else null.",
        }, "Day the provider reported."),
    "provider_country_daily": Table(
        "Views and watch time per provider, video, day and country, as reported.", "provider x video x day x country", {
            **PROVIDER_ID_COLUMNS,
            "country": "Country as the provider reported it.",
            "views": "Views the provider counted; null when it does not count views (Cloudflare).",
            "watch_time_s": "Watch time the provider reported (seconds).",
        }, "Day the provider reported."),
    "provider_heatmap": Table(
        "Each video's latest provider heatmap: retention intensity per segment.", "provider x video x segment", {
            **PROVIDER_ID_COLUMNS,
            "segment_index": "Segment number as the provider numbers them (from 0).",
            "intensity": "Retention intensity 0..100, 100 = the most watched segment; a missing segment is 0.",
            "as_of_date": "Day folder the provider's answer was stored in.",
        }),
    "provider_reconciliation_daily": Table(
        "Our views and watch time against each provider's, per video and day; differences above the threshold flagged.",
        "provider x video x day", {
            "provider": "Provider compared with: bunny or cloudflare.",
            "video_id": "Our video id.",
            "provider_video_id": "The provider's video id(s), comma-separated.",
            "views_ours": "Our counting, non-bot views.",
            "views_theirs": "The provider's views; null when it does not count views.",
            "views_diff": "views_theirs - views_ours.",
            "views_rel_diff": "(views_theirs - views_ours) / views_ours; null when views_ours is 0.",
            "watch_time_s_ours": "Our watch time (seconds).",
            "watch_time_s_theirs": "The provider's watch time (seconds); 0 when it reported the day but not this video.",
            "watch_time_s_diff": "watch_time_s_theirs - watch_time_s_ours (seconds).",
            "watch_time_rel_diff": "(theirs - ours) / ours watch time; null when ours is 0.",
            "provider_missing": "True when the provider's answer covers the day but lacks this video: their figures and the differences are null, and the row is never flagged.",
            "flagged": "True when a relative difference is above the threshold (default 10 %), or ours is 0 and theirs is not; never for a missing video or a noise row (fewer than 10 views on both sides).",
            "threshold": "Relative difference above which a row is flagged (0.10 = 10 %).",
        }, "Day compared."),
    "erasure_log": Table(
        "One row per erasure request carried out (ids kept only as keyed hashes).", "one erasure", {
            "subject_hash": "Keyed HMAC-SHA256 of kind:id (32 hex characters); the id itself is not kept.",
            "id_kind": "Kind of id erased: viewer or user.",
            "erased_at": "When the erasure ran (UTC).",
            "landing_lines": "Landing lines removed.",
            "staged_events": "Staged events removed.",
            "quarantine_rows": "Quarantine rows removed.",
            "arrival_days": "Arrival days rewritten.",
            "event_days": "Event days rebuilt.",
        }),
    "retention_frozen_days": Table(
        "Event days whose events retention deleted: their marts are kept as they were, and no rebuild rewrites "
        "them or the day after each (whose views need the earlier day's events).", "one event day", {
            "event_date": "The UTC event day whose events (or views) retention deleted.",
            "frozen_at": "When retention first froze the day (UTC; the policy's as-of time).",
        }),
    "_warehouse_info": Table(
        "Only when the lake is remote (s3://): where the warehouse's views read and how to reach it.", "one row", {
            "lake": "remote: the views read s3:// paths.",
            "root": "The data root, an s3://bucket/prefix URI.",
            "analyst_setup": "DuckDB statements (httpfs, an S3 secret from the credential chain) to run before querying.",
        }),
}

MACROS: dict[str, Macro] = {
    "ratio_or_null": Macro("ratio_or_null(numerator, denominator)",
                           "numerator / denominator as DOUBLE; null when denominator is not > 0."),
    "session_facts": Macro("session_facts(start_date, end_date)",
                           "One row per view of the inclusive date range with the flags and figures the aggregates need."),
    "entity_stats": Macro("entity_stats(start_date, end_date)",
                          "Every aggregate of the range at every grain (video, course, creator, platform, qoe), exact: "
                          "distinct counts over the whole range, rates from the range's sums."),
    "video_stats": Macro("video_stats(start_date, end_date)",
                         "Per video: every aggregate over the inclusive date range, with title and is_preview."),
    "course_stats": Macro("course_stats(start_date, end_date)", "Per course: every aggregate over the inclusive date range."),
    "creator_stats": Macro("creator_stats(start_date, end_date)", "Per creator: every aggregate over the inclusive date range."),
    "platform_stats": Macro("platform_stats(start_date, end_date)",
                            "One row: every platform aggregate over the inclusive date range."),
    "video_retention": Macro("video_retention(start_date, end_date)",
                             "Per video and 10 s segment over the range, from the daily heatmap: video_views, views, "
                             "retention_pct (views / video_views * 100), watch_time_s, rewatch_s, replay_views, "
                             "drop_offs, drop_off_rate (drop_offs / views)."),
    "key_moments": Macro("key_moments(start_date, end_date)",
                         "One row per key moment (video_id, kind, segment_index, value) of the videos with 20+ views: "
                         "intro (retention_pct of segment 3, videos of 60 s+), spike (up to 3 segments by rewatch_s, "
                         ">= 2 x the mean, 3+ replay_views), dip (up to 3 by drop_off_rate outside the last 10 %, "
                         "3+ drop_offs, >= 2 x the median)."),
    "relative_retention": Macro("relative_retention(start_date, end_date)",
                                "Per video with 10+ views: avg_completion_ratio, length_bucket, bucket_median_completion "
                                "of the bucket's 10+-view videos, relative_retention (their ratio, null under 3 videos) "
                                "and label above_typical (>= 1.1), below_typical (<= 0.9) or typical."),
    "popular_videos": Macro("popular_videos(start_date, end_date, n)",
                            "The n most viewed non-preview videos of the range (ties: more watch time, then id), ranked."),
    "creator_top_videos": Macro("creator_top_videos(start_date, end_date, n)",
                                "Per creator: their n most viewed non-preview videos of the range (ties: more watch time, "
                                "then id), with rank (1 = top)."),
    "course_lectures": Macro("course_lectures()",
                             "Every course's lectures (catalog videos that are not previews) in order: position, then "
                             "published_at, then video_id; lecture_number 1, 2, ..."),
    "learner_video_completion": Macro("learner_video_completion(start_date, end_date)",
                                      "Per learner and video: counted views of the range, and completed (a completed "
                                      "view, or the range's played ranges on any device covering 90 % of the video)."),
    "learner_course_starts": Macro("learner_course_starts(end_date)",
                                   "Per learner and course: the day of the first counted view of the course up to end_date."),
    "course_report": Macro("course_report(start_date, end_date)",
                           "Per course: course_stats plus lectures_total, learners_active, learners_new (first view of the "
                           "course in the range), most_watched_lectures (top 3 by views; ties in lecture order), "
                           "struggle_lectures (of lectures with 10+ views: completion_rate <= 0.5 x their median, or rewatch "
                           "share >= 1.5 x the median and >= 0.02; in lecture order), engagement_trend (last 7 days' views vs "
                           "the 7 before: rising >= 1.1 x, falling <= 0.9 x, else stable; null under 14 days)."),
    "course_funnel": Macro("course_funnel(start_date, end_date)",
                           "Per course and lecture in order (lecture_id, position): learners_started and learners_completed "
                           "among the learners who started the course in the range, share_of_starters = completed / starters (0..1)."),
}


def column_names(table: str) -> list[str]:
    """The table's columns as the warehouse shows them: the file's, then `date` for a daily table."""
    entry = TABLES[table]
    return list(entry.columns) + (["date"] if entry.date else [])


def column_descriptions(table: str) -> dict[str, str]:
    entry = TABLES[table]
    return {**entry.columns, **({"date": entry.date} if entry.date else {})}
