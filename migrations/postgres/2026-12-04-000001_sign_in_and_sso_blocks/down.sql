DROP TABLE sso_blocks;
DROP INDEX sign_in_failures_window;
