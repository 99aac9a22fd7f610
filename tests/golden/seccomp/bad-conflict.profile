default errno EPERM
allow read write
errno EACCES write
