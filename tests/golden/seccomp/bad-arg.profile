default errno EPERM
allow read
allow socket if arg0 != 40 && arg7 == 1
