//! The one portable schema both backends share. Written by hand (not by
//! `diesel print-schema`) so that ids are `BigInt` on SQLite as on PostgreSQL
//! and only column types both backends support appear.

diesel::table! {
    committees (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        description -> Nullable<Text>,
        actions_raised -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    meetings (id) {
        id -> BigInt,
        committee_id -> BigInt,
        title -> Text,
        starts_at -> Timestamp,
        location -> Nullable<Text>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agenda_items (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        number -> Text,
        title -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    actions (id) {
        id -> BigInt,
        committee_id -> BigInt,
        reference -> Text,
        reference_year -> Integer,
        reference_number -> Integer,
        raised_at_meeting_id -> BigInt,
        agenda_item_id -> Nullable<BigInt>,
        minute_paragraph -> Nullable<Text>,
        committed_by -> Nullable<Text>,
        owed_to -> Nullable<Text>,
        source_sentence -> Nullable<Text>,
        description -> Text,
        kind -> Text,
        owner -> Nullable<Text>,
        due_meeting_id -> Nullable<BigInt>,
        due_date -> Nullable<Date>,
        status -> Text,
        response -> Nullable<Text>,
        status_reason -> Nullable<Text>,
        times_carried_forward -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        owner_id -> Nullable<BigInt>,
        exempt_paragraph -> Nullable<Integer>,
        exempt_reason -> Nullable<Text>,
    }
}

diesel::table! {
    action_events (id) {
        id -> BigInt,
        action_id -> BigInt,
        sequence -> Integer,
        occurred_at -> Timestamp,
        actor -> Text,
        kind -> Text,
        changes -> Text,
        reason -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    idempotency_keys (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        location -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(meetings -> committees (committee_id));
diesel::joinable!(agenda_items -> meetings (meeting_id));
diesel::joinable!(action_events -> actions (action_id));

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        role -> Text,
        active -> Bool,
        password_hash -> Text,
        token_generation -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email -> Nullable<Text>,
        reminder_emails -> Bool,
        calendar_token_hash -> Nullable<Text>,
    }
}

diesel::table! {
    service_credentials (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        jti -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_failures (subject) {
        subject -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_familiar (subject) {
        subject -> Text,
        familiar_until -> Timestamp,
    }
}

diesel::table! {
    sso_blocks (id) {
        id -> BigInt,
        subject -> Text,
        reason -> Text,
        blocked_by -> Text,
        blocked_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> BigInt,
        secret_hash -> Text,
        user_id -> BigInt,
        token_generation -> Integer,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::joinable!(web_sessions -> users (user_id));

diesel::table! {
    changes (id) {
        id -> BigInt,
        position -> Nullable<BigInt>,
        occurred_at -> Timestamp,
        event_type -> Text,
        resource_type -> Text,
        resource_id -> BigInt,
        committee_id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Text,
        committee_ids -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        change_id -> Nullable<BigInt>,
        payload -> Nullable<Text>,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        claim_token -> Nullable<Text>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        duration_ms -> BigInt,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        response_body -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> changes (change_id));

diesel::table! {
    reminder_digests (id) {
        id -> BigInt,
        owner_id -> BigInt,
        created_at -> Timestamp,
        email_status -> Text,
        email_to -> Nullable<Text>,
        email_subject -> Text,
        email_body -> Text,
        email_attempts -> Integer,
        email_next_attempt_at -> Timestamp,
        email_claimed_until -> Nullable<Timestamp>,
        email_claim_token -> Nullable<Text>,
        email_error -> Nullable<Text>,
        email_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reminders_sent (action_id, meeting_id, lead_days) {
        action_id -> BigInt,
        meeting_id -> BigInt,
        lead_days -> Integer,
        digest_id -> BigInt,
    }
}

diesel::table! {
    statutory_processes (id) {
        id -> BigInt,
        committee_id -> BigInt,
        kind -> Text,
        title -> Text,
        financial_year -> Nullable<Integer>,
        post -> Nullable<Text>,
        candidate -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    statutory_steps (process_id, step) {
        process_id -> BigInt,
        step -> Text,
        due_on -> Nullable<Date>,
        happened_on -> Nullable<Date>,
        meeting_id -> Nullable<BigInt>,
        veto -> Bool,
        votes_for -> Nullable<Integer>,
        members -> Nullable<Integer>,
        document_url -> Nullable<Text>,
        notes -> Nullable<Text>,
        recorded_at -> Nullable<Timestamp>,
        recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    panel_reports (id) {
        id -> BigInt,
        committee_id -> BigInt,
        process_id -> Nullable<BigInt>,
        subject -> Text,
        title -> Text,
        meeting_id -> Nullable<BigInt>,
        reported_on -> Date,
        published_url -> Nullable<Text>,
        response_due_on -> Nullable<Date>,
        response_published_on -> Nullable<Date>,
        response_url -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recommendations (id) {
        id -> BigInt,
        report_id -> BigInt,
        committee_id -> BigInt,
        reference -> Text,
        reference_year -> Integer,
        reference_number -> Integer,
        body -> Text,
        due_on -> Nullable<Date>,
        response -> Nullable<Text>,
        response_text -> Nullable<Text>,
        responded_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    statutory_events (id) {
        id -> BigInt,
        subject_type -> Text,
        subject_id -> BigInt,
        sequence -> Integer,
        occurred_at -> Timestamp,
        actor -> Text,
        kind -> Text,
        changes -> Text,
        reason -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(statutory_steps -> statutory_processes (process_id));
diesel::joinable!(recommendations -> panel_reports (report_id));

diesel::allow_tables_to_appear_in_same_query!(
    committees,
    meetings,
    agenda_items,
    actions,
    action_events,
    idempotency_keys,
    users,
    service_credentials,
    sign_in_failures,
    sign_in_familiar,
    sso_blocks,
    web_sessions,
    changes,
    webhooks,
    webhook_deliveries,
    webhook_attempts,
    reminder_digests,
    reminders_sent,
    statutory_processes,
    statutory_steps,
    panel_reports,
    recommendations,
    statutory_events,
);
