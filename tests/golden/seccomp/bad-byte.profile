default errno EPERM
allow read 
