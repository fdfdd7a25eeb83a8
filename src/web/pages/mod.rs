//! One module per area of the pages, one function per page or form, all
//! registered here. Each handler names what it needs from the policy table
//! in its signature (`Signed<R>` to see a page, `Posted<R>` to send a form).

mod actions;
mod admin;
mod calendar;
mod home;
mod meetings;
mod public;
mod review;
mod sign_in;
mod statutory;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::home))
        .route("/sign-in", web::get().to(sign_in::form))
        .route("/sign-in", web::post().to(sign_in::sign_in))
        .route("/sign-out", web::post().to(sign_in::sign_out))
        .route("/public", web::get().to(public::committees))
        .route("/public/committees/{id}", web::get().to(public::committee))
        .route("/public/meetings/{id}", web::get().to(public::meeting))
        .route("/public/actions/{id}", web::get().to(public::action))
        .route("/committees/{id}", web::get().to(meetings::committee))
        .route("/meetings/{id}", web::get().to(meetings::meeting))
        .route("/meetings/{id}/actions", web::post().to(meetings::log_action))
        .route("/meetings/{id}/action-log", web::get().to(meetings::action_log))
        .route("/meetings/{id}/carry-forward", web::post().to(meetings::carry_forward))
        .route("/meetings/{id}/cancel", web::get().to(meetings::confirm_cancel))
        .route("/meetings/{id}/cancel", web::post().to(meetings::cancel))
        .route("/meetings/{id}/minutes", web::post().to(meetings::read_minutes))
        .route("/meetings/{id}/minutes/log", web::post().to(meetings::log_minutes))
        .route("/actions", web::get().to(actions::list))
        .route("/actions/{id}", web::get().to(actions::action))
        .route("/actions/{id}/edit", web::get().to(actions::edit_form))
        .route("/actions/{id}/edit", web::post().to(actions::edit))
        .route("/actions/{id}/{transition}", web::post().to(actions::transition))
        .route("/review", web::get().to(review::queue))
        .route("/calendar", web::get().to(calendar::calendar))
        .route("/statutory-processes/{id}", web::get().to(statutory::process))
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users", web::post().to(admin::create_user))
        .route("/admin/users/{id}", web::post().to(admin::update_user))
        .route("/admin/credentials", web::get().to(admin::credentials))
        .route("/admin/credentials", web::post().to(admin::issue_credential))
        .route("/admin/credentials/{id}/revoke", web::post().to(admin::revoke_credential));
}
