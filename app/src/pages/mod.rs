pub mod app_detail;
pub mod apps;
pub mod dashboard;
pub mod import;
pub mod logs;
pub mod people;
pub mod signin;
