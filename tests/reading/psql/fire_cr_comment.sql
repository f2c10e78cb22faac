-- drops nothingDROP TABLE users;
