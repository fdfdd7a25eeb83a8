DROP TABLE sso_blocks;
DROP TABLE sign_in_familiar;
DROP INDEX sign_in_failures_window;
